import { randomUUID } from 'node:crypto';
import { createGraphQLError, type Plugin } from 'graphql-yoga';
import type { Logger } from 'pino';

/** A caller's own request id is kept when it is this tame: it ends up in logs and a response header. */
const SANE_REQUEST_ID = /^[A-Za-z0-9._-]{1,128}$/;

/** The request id of a GraphQL request: the caller's `x-request-id` when sane, else a fresh UUID. */
export function requestIdOf(header: string | null): string {
  return header !== null && SANE_REQUEST_ID.test(header) ? header : randomUUID();
}

/** Masked errors and what they hid, filled by the handler's maskError and read once per response here. */
export type MaskedOriginals = WeakMap<object, unknown>;

/**
 * A Yoga plugin giving every /graphql request an id: returned in the `x-request-id` response
 * header, put in the `extensions.requestId` of every masked ("Unexpected error.") error so a
 * user can quote it, and logged with the hidden original error exactly once. Yoga itself logs a
 * masked error twice (in its maskError wrapper and again in handleError) and without any request
 * id; the handler sends Yoga's own error log to debug and this is the one operator alarm.
 * `ids` is shared with the handler, which puts the same id in the context (audit entries).
 */
export function useRequestId(logger: Pick<Logger, 'error'>, originals: MaskedOriginals, ids: WeakMap<Request, string> = new WeakMap()): Plugin {
  const idOf = (request: Request) => {
    let id = ids.get(request);
    if (id === undefined) {
      id = requestIdOf(request.headers.get('x-request-id'));
      ids.set(request, id);
    }
    return id;
  };
  return {
    onRequest({ request }) {
      idOf(request);
    },
    onResultProcess({ request, result, setResult }) {
      if (Array.isArray(result) || !('errors' in result) || !result.errors?.length) return;
      const requestId = idOf(request);
      let changed = false;
      const errors = result.errors.map((error) => {
        if (!originals.has(error)) return error;
        logger.error({ requestId, err: originals.get(error), path: error.path }, 'graphql: unexpected error');
        originals.delete(error);
        changed = true;
        return createGraphQLError(error.message, {
          ...(error.nodes ? { nodes: error.nodes } : {}),
          ...(error.path ? { path: error.path } : {}),
          extensions: { ...error.extensions, requestId },
        });
      });
      if (changed) setResult({ ...result, errors });
    },
    onResponse({ request, response }) {
      response.headers.set('x-request-id', idOf(request));
    },
  };
}
