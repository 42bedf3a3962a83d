import type { ASTNode } from 'graphql';
import { createGraphQLError, maskError as yogaMaskError } from 'graphql-yoga';
import { InputError } from '../domain/input-error.ts';

/** The parts of a GraphQLError we read, checked structurally. */
interface LocatedError {
  originalError?: unknown;
  nodes?: ReadonlyArray<ASTNode>;
  path?: ReadonlyArray<string | number>;
}

/**
 * Yoga's maskError, except that an InputError (a caller mistake with a message written for the
 * caller) is shown with its `extensions.code` and `param`. Everything else keeps Yoga's masking:
 * "Unexpected error." and nothing from the original error.
 * The check is structural, and errors are made with Yoga's createGraphQLError: `graphql` ships
 * an ESM and a CommonJS build, and where both load (vitest inlines our sources with the ESM
 * one) `instanceof GraphQLError` fails across them.
 */
export function maskError(error: unknown, message: string, isDev?: boolean): Error {
  const located = typeof error === 'object' && error !== null ? (error as LocatedError) : undefined;
  const original = located?.originalError ?? error;
  if (original instanceof InputError) {
    return createGraphQLError(original.message, {
      ...(located?.nodes ? { nodes: located.nodes } : {}),
      ...(located?.path ? { path: located.path } : {}),
      extensions: { code: original.code, ...(original.param === null ? {} : { param: original.param }) },
    });
  }
  return yogaMaskError(error, message, isDev);
}
