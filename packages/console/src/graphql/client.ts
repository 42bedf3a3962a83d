import { Client, cacheExchange, fetchExchange, mapExchange, type CombinedError, type OperationContext } from '@urql/core';

/** Options of {@link createRelayClient}. */
export interface RelayClientOptions {
  /** The control plane's GraphQL endpoint; the console is served from the same origin. */
  url: string;
  /** The admin token sent on every operation; null before sign-in. */
  token: string | null;
  /** Called when the server rejects `token` (HTTP 401): the caller signs out. */
  onUnauthorized(): void;
  /** The fetch to use; tests and non-browser callers may pass their own. */
  fetch?: typeof globalThis.fetch;
}

/**
 * The console's one GraphQL client. It is bound to one token for its whole life: the app
 * builds a new client on every sign-in and sign-out, so one admin's cached results can
 * never be shown to the next session.
 * @example createRelayClient({ url: '/graphql', token, onUnauthorized: () => session.signOut('token-rejected') })
 */
export function createRelayClient(options: RelayClientOptions): Client {
  const { token, onUnauthorized } = options;
  return new Client({
    url: options.url,
    // POST only: a GET would put the query (and any mutation-looking text) into access logs.
    preferGetMethod: false,
    fetch: options.fetch,
    fetchOptions: token === null ? {} : authorizationContext(token).fetchOptions,
    exchanges: [
      mapExchange({
        onError(error) {
          // Only a session's own token can expire; a sign-in attempt's 401 is the sign-in page's to show.
          if (token !== null && isUnauthorized(error)) onUnauthorized();
        },
      }),
      cacheExchange,
      fetchExchange,
    ],
  });
}

/**
 * Operation context that sends `token` instead of the client's own, for the sign-in check
 * made before the session holds the token.
 */
export function authorizationContext(token: string): Partial<OperationContext> & { fetchOptions: RequestInit } {
  return { fetchOptions: { headers: { authorization: `Bearer ${token}` } } };
}

/**
 * True when the control plane refused the admin token: HTTP 401, whose body carries
 * `extensions.code: "unauthenticated"` (the /graphql contract).
 */
export function isUnauthorized(error: Pick<CombinedError, 'response' | 'graphQLErrors'>): boolean {
  const status = (error.response as { status?: unknown } | undefined)?.status;
  if (status === 401) return true;
  return error.graphQLErrors.some((e) => e.extensions?.code === 'unauthenticated');
}
