import { createYoga, type YogaServerInstance } from 'graphql-yoga';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Principal } from '../auth/roles.ts';
import { useAuthentication } from './authenticate-request.ts';
import { buildSchema } from './build-schema.ts';
import { useConfigChangeBatching, type ConfigChangeMark } from './config-change-batching.ts';
import type { GraphQLContext, GraphQLDeps } from './context.ts';
import { InputError } from '../domain/input-error.ts';
import { maskError } from './mask-error.ts';
import { useRejectMalformedParams } from './reject-malformed-params.ts';
import { useQueryLimits } from './query-limits.ts';

/** The GraphQL endpoint's path. */
export const GRAPHQL_ENDPOINT = '/graphql';

/**
 * The admin GraphQL API as a Yoga instance (a fetch handler and a Node request listener):
 * bearer-token auth on every request, document size limits (query-limits.ts), errors masked
 * except caller mistakes.
 */
export function createGraphQLHandler(deps: GraphQLDeps): YogaServerInstance<{ req?: IncomingMessage }, GraphQLContext> {
  const principals = new WeakMap<Request, Principal>();
  return createYoga<{ req?: IncomingMessage }, GraphQLContext>({
    schema: buildSchema(),
    graphqlEndpoint: GRAPHQL_ENDPOINT,
    landingPage: false,
    graphiql: { title: 'ProxyStacks Relay', headers: JSON.stringify({ authorization: 'Bearer <API token>' }) },
    maskedErrors: { maskError },
    logging: {
      debug: (...args) => deps.logger.debug({ args }, 'graphql'),
      info: (...args) => deps.logger.info({ args }, 'graphql'),
      warn: (...args) => deps.logger.warn({ args }, 'graphql'),
      // A caller's mistake (bad input, unknown id) is answered to the caller, not an operator alarm.
      error: (...args) => (args.some(isCallerMistake) ? deps.logger.debug({ args }, 'graphql: caller input refused') : deps.logger.error({ args }, 'graphql')),
    },
    // Auth first: an anonymous caller is refused before its document is even parsed.
    plugins: [useAuthentication(deps, principals), useRejectMalformedParams(), ...useQueryLimits(), useConfigChangeBatching(() => deps.onConfigChanged())],
    context: ({ request, req }) => {
      const principal = principals.get(request);
      // The auth plugin ends every request it did not attach a principal to; reaching here without one is a bug.
      if (!principal) throw new Error('GraphQL context built for an unauthenticated request');
      const origin = { requestId: request.headers.get('x-request-id') ?? randomUUID(), clientAddress: req?.socket.remoteAddress ?? '' };
      const configChange: ConfigChangeMark = { changed: false };
      // Resolvers' onConfigChanged only marks the operation; useConfigChangeBatching publishes once at its end.
      const operationDeps: GraphQLDeps = { ...deps, onConfigChanged: async () => void (configChange.changed = true) };
      return { deps: operationDeps, prisma: deps.prisma, principal, origin, configChange };
    },
  });
}

/** True for an InputError, or a GraphQL error wrapping one. */
function isCallerMistake(value: unknown): boolean {
  if (value instanceof InputError) return true;
  const original = typeof value === 'object' && value !== null ? (value as { originalError?: unknown }).originalError : undefined;
  return original instanceof InputError;
}
