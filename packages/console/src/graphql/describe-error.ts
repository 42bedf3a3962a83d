import type { CombinedError } from '@urql/core';

/** What the console shows for a failed operation. */
export interface ErrorDescription {
  message: string;
  /** The server's stable `extensions.code` (e.g. `invalid_value`), null for network failures. */
  code: string | null;
}

/**
 * Turns a urql error into one line for an ErrorBanner. Server messages are shown as they
 * are (the control plane masks internal errors already); a network failure says that the
 * control plane could not be reached rather than echoing the browser's "Failed to fetch".
 */
export function describeError(error: Pick<CombinedError, 'networkError' | 'graphQLErrors'>): ErrorDescription {
  if (error.networkError !== undefined) {
    return { message: 'Cannot reach the control plane. Check that Relay is running and try again.', code: null };
  }
  const first = error.graphQLErrors[0];
  if (first === undefined) return { message: 'The request failed.', code: null };
  const messages = [...new Set(error.graphQLErrors.map((e) => e.message))];
  const code = first.extensions?.code;
  return { message: messages.join(' '), code: typeof code === 'string' ? code : null };
}
