import { createYoga, type YogaServerInstance } from 'graphql-yoga';
import type { IncomingMessage } from 'node:http';
import type { Principal } from '../auth/roles.ts';
import { isHttpsRequest } from '../auth/session-cookie.ts';
import { useAuthentication } from './authenticate-request.ts';
import { buildSchema } from './build-schema.ts';
import { useConfigChangeBatching, type ConfigChangeMark } from './config-change-batching.ts';
import type { GraphQLContext, GraphQLDeps } from './context.ts';
import { InputError } from '../domain/input-error.ts';
import { useCloseAfterTooLarge } from './close-after-too-large.ts';
import { logSafeArgs } from './log-safe-args.ts';
import { createMaskError } from './mask-error.ts';
import { requestIdOf, useRequestId, type MaskedOriginals } from './request-id.ts';
import { useRejectMalformedParams } from './reject-malformed-params.ts';
import { useQueryLimits } from './query-limits.ts';

/** The GraphQL endpoint's path. */
export const GRAPHQL_ENDPOINT = '/graphql';

/** Default cap on a /graphql request body (GRAPHQL_MAX_BODY_BYTES). */
export const DEFAULT_GRAPHQL_MAX_BODY_BYTES = 1024 * 1024;

/**
 * The admin GraphQL API as a Yoga instance (a fetch handler and a Node request listener):
 * bearer-token auth on every request, document size limits (query-limits.ts), errors masked
 * except caller mistakes.
 */
export function createGraphQLHandler(deps: GraphQLDeps): YogaServerInstance<{ req?: IncomingMessage }, GraphQLContext> {
  const principals = new WeakMap<Request, Principal>();
  const maskedOriginals: MaskedOriginals = new WeakMap();
  const requestIds = new WeakMap<Request, string>();
  return createYoga<{ req?: IncomingMessage }, GraphQLContext>({
    schema: buildSchema(),
    graphqlEndpoint: GRAPHQL_ENDPOINT,
    landingPage: false,
    graphiql: { title: 'ProxyStacks Relay', headers: JSON.stringify({ authorization: 'Bearer <API token>' }) },
    maskedErrors: { maskError: createMaskError(maskedOriginals), isDev: false },
    // Checked on Content-Length first, then counted while the body streams in: a larger body is
    // answered 413 without being buffered (Yoga's useLimitRequestBodySize).
    maxRequestBodySize: deps.maxBodyBytes ?? DEFAULT_GRAPHQL_MAX_BODY_BYTES,
    logging: {
      debug: (...args) => deps.logger.debug({ args: logSafeArgs(args) }, 'graphql'),
      info: (...args) => deps.logger.info({ args: logSafeArgs(args) }, 'graphql'),
      warn: (...args) => deps.logger.warn({ args: logSafeArgs(args) }, 'graphql'),
      // Yoga logs each masked error twice and without the request id: useRequestId logs it once,
      // with the id, so Yoga's copies (and caller mistakes such as bad input) stay at debug.
      error: (...args) => deps.logger.debug({ args: logSafeArgs(args) }, args.some(isCallerMistake) ? 'graphql: caller input refused' : 'graphql: error (logged by useRequestId)'),
    },
    // Auth first: an anonymous caller is refused before its document is even parsed.
    plugins: [...(deps.tracingPlugin ? [deps.tracingPlugin] : []), useRequestId(deps.logger, maskedOriginals, requestIds), useCloseAfterTooLarge(), useAuthentication(deps, principals), useRejectMalformedParams(), ...useQueryLimits(), useConfigChangeBatching(() => deps.onConfigChanged())],
    context: ({ request, req }) => {
      const principal = principals.get(request);
      // The auth plugin ends every request it did not attach a principal to; reaching here without one is a bug.
      if (!principal) throw new Error('GraphQL context built for an unauthenticated request');
      const origin = {
        requestId: requestIds.get(request) ?? requestIdOf(request.headers.get('x-request-id')),
        clientAddress: req?.socket.remoteAddress ?? '',
        consoleOrigin: deps.auth?.publicUrl ?? requestOrigin(request),
      };
      const configChange: ConfigChangeMark = { changed: false };
      // Resolvers' onConfigChanged only marks the operation; useConfigChangeBatching publishes once at its end.
      const operationDeps: GraphQLDeps = { ...deps, onConfigChanged: async () => void (configChange.changed = true) };
      return { deps: operationDeps, prisma: deps.prisma, principal, origin, configChange };
    },
  });
}

/**
 * The origin a request was sent to, as the caller's browser sees it: the Host it used, and
 * https when the request (or the proxy in front, per x-forwarded-proto) was encrypted.
 */
function requestOrigin(request: Request): string {
  const url = new URL(request.url);
  if (isHttpsRequest(request.headers.get('x-forwarded-proto'), url.protocol === 'https:')) url.protocol = 'https:';
  return url.origin;
}

/** True for an InputError, or a GraphQL error wrapping one. */
function isCallerMistake(value: unknown): boolean {
  if (value instanceof InputError) return true;
  const original = typeof value === 'object' && value !== null ? (value as { originalError?: unknown }).originalError : undefined;
  return original instanceof InputError;
}
