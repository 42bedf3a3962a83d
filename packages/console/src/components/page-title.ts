/** The browser tab's title per page, so tabs and history entries say which page they are. */

const PRODUCT = 'ProxyStacks Relay';

/** Page names by the first path segment. */
const TITLES: Record<string, string> = {
  '': 'Overview',
  keys: 'Keys',
  teams: 'Teams',
  spend: 'Spend',
  requests: 'Requests',
  live: 'Live requests',
  routing: 'Routing',
  users: 'Users',
  tokens: 'API tokens',
  audit: 'Audit trail',
  'sign-in': 'Sign in',
  setup: 'Set up',
};

/**
 * The document title of a path: `Requests · ProxyStacks Relay`; an unknown path is "Not found".
 * @example pageTitle('/keys') === 'Keys · ProxyStacks Relay'
 */
export function pageTitle(pathname: string): string {
  const segment = pathname.split('/')[1] ?? '';
  return `${TITLES[segment] ?? 'Not found'} · ${PRODUCT}`;
}
