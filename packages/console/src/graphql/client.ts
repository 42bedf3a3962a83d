import { Client, cacheExchange, fetchExchange, mapExchange, type CombinedError, type OperationContext } from '@urql/core';
import { CSRF_HEADER } from '../auth/session-api.ts';

/** Options of {@link createRelayClient}. */
export interface RelayClientOptions {
  /** The control plane's GraphQL endpoint; the console is served from the same origin. */
  url: string;
  /** The API token sent as a bearer token on every operation; null for cookie sessions and before sign-in. */
  token: string | null;
  /** A cookie session's CSRF token, sent as `x-csrf-token` on every operation (the cookie goes by itself). */
  csrfToken?: string | null;
  /** Called when the server rejects `token` (HTTP 401): the caller signs out. */
  onUnauthorized(): void;
  /** The fetch to use; tests and non-browser callers may pass their own. */
  fetch?: typeof globalThis.fetch;
}

/**
 * The console's one GraphQL client. It is bound to one session (token, or cookie + CSRF token)
 * for its whole life: the app builds a new client on every sign-in and sign-out, so one admin's cached results can
 * never be shown to the next session.
 * @example createRelayClient({ url: '/graphql', token, onUnauthorized: () => session.signOut('token-rejected') })
 */
export function createRelayClient(options: RelayClientOptions): Client {
  const { token, onUnauthorized } = options;
  const csrfToken = options.csrfToken ?? null;
  const headers: Record<string, string> = {};
  if (token !== null) headers.authorization = `Bearer ${token}`;
  if (csrfToken !== null) headers[CSRF_HEADER] = csrfToken;
  return new Client({
    url: options.url,
    // POST only: a GET would put the query (and any mutation-looking text) into access logs.
    preferGetMethod: false,
    // Subscriptions (the Live page's requestTail) go through fetch as Server-Sent Events, with the
    // same headers as every other operation; no WebSocket server is needed.
    fetchSubscriptions: true,
    fetch: options.fetch,
    fetchOptions: { credentials: 'same-origin', headers },
    exchanges: [
      mapExchange({
        onError(error) {
          // Only a session can expire; a sign-in attempt's 401 is the sign-in page's to show.
          if ((token !== null || csrfToken !== null) && isUnauthorized(error)) onUnauthorized();
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
