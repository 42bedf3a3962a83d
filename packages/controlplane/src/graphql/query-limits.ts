import { costLimitPlugin } from '@escape.tech/graphql-armor-cost-limit';
import { maxAliasesPlugin } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthPlugin } from '@escape.tech/graphql-armor-max-depth';
import { maxDirectivesPlugin } from '@escape.tech/graphql-armor-max-directives';
import { maxTokensPlugin } from '@escape.tech/graphql-armor-max-tokens';
import type { GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';

/**
 * How big one GraphQL document may be. Checked while parsing (tokens) and validating (the
 * rest), so an oversized document is refused before any resolver runs. Each bound is several
 * times what the console's largest document needs; a document at the bound costs the server
 * milliseconds. Without them one request of 2,000 aliased fields held the event loop for 21 s.
 */
export const QUERY_LIMITS = {
  /** Lexical tokens in the document (names, punctuation, values); counted by the parser itself. */
  maxTokens: 2_000,
  /** Aliased fields per operation (fragments counted where spread); `__typename` is free. */
  maxAliases: 30,
  /** Nesting of selection sets; introspection is exempt so GraphiQL keeps working. */
  maxDepth: 10,
  /** graphql-armor's static cost: 2 per object field, 1 per scalar, times 1.5 per level of depth. */
  maxCost: 5_000,
  /** Directives (`@include`, `@skip`, …) per operation. */
  maxDirectives: 50,
} as const;

/** Which of {@link QUERY_LIMITS} a refused document exceeded, as `extensions.limit`. */
export type QueryLimitName = 'tokens' | 'aliases' | 'depth' | 'cost' | 'directives';

/** `extensions.code` of a document refused by a size limit. */
export const QUERY_TOO_COMPLEX = 'QUERY_TOO_COMPLEX';

/**
 * The graphql-armor plugins configured with {@link QUERY_LIMITS}. A refusal is an ordinary
 * GraphQL error (HTTP 400, nothing executed) whose `extensions` carry `code: QUERY_TOO_COMPLEX`
 * and the `limit` exceeded; the message says the bound and what was found.
 */
export function useQueryLimits(limits: typeof QUERY_LIMITS = QUERY_LIMITS): Plugin[] {
  const tag = (limit: QueryLimitName) => ({
    exposeLimits: true,
    onReject: [(_context: unknown, error: GraphQLError) => markRefusal(error, limit)],
  });
  return [
    maxTokensPlugin({ n: limits.maxTokens, ...tag('tokens') }),
    maxAliasesPlugin({ n: limits.maxAliases, ...tag('aliases') }),
    maxDepthPlugin({ n: limits.maxDepth, ignoreIntrospection: true, ...tag('depth') }),
    costLimitPlugin({ maxCost: limits.maxCost, ignoreIntrospection: true, ...tag('cost') }),
    maxDirectivesPlugin({ n: limits.maxDirectives, ...tag('directives') }),
  ] as Plugin[];
}

/**
 * graphql-armor throws a GraphQLError without a code; the rejection hook sees that same object
 * before it is thrown, so the code is added in place (GraphQLError's extensions are a plain,
 * writable object).
 */
function markRefusal(error: GraphQLError, limit: QueryLimitName): void {
  const extensions = error.extensions as Record<string, unknown>;
  extensions.code = QUERY_TOO_COMPLEX;
  extensions.limit = limit;
}
