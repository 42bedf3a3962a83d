import type { Client } from '@urql/core';
import { authorizationContext, isUnauthorized } from '../../graphql/client.ts';
import { describeError, type ErrorDescription } from '../../graphql/describe-error.ts';
import { ViewerQuery } from '../../graphql/viewer.graphql.ts';

/** The outcome of a sign-in check: the admin it names, or what to tell the user. */
export type TokenCheck = { ok: true; viewer: { id: string; name: string } } | { ok: false; error: ErrorDescription };

/**
 * Asks the control plane who `token` belongs to (`query { viewer }`), sending it on this one
 * operation only, so a typo is reported on the sign-in page and never stored.
 */
export async function verifyAdminToken(client: Client, token: string): Promise<TokenCheck> {
  const result = await client
    .query(ViewerQuery, {}, { ...authorizationContext(token), requestPolicy: 'network-only' })
    .toPromise();
  if (result.data?.viewer !== undefined) return { ok: true, viewer: result.data.viewer };
  if (result.error === undefined) return { ok: false, error: { message: 'Sign-in failed.', code: null } };
  if (isUnauthorized(result.error)) {
    return { ok: false, error: { message: 'That admin token was not accepted. Check it and try again.', code: 'unauthenticated' } };
  }
  return { ok: false, error: describeError(result.error) };
}
