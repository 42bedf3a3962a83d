import type { ASTNode } from 'graphql';
import { createGraphQLError, maskError as yogaMaskError } from 'graphql-yoga';
import { InputError } from '../domain/input-error.ts';
import type { MaskedOriginals } from './request-id.ts';

/** The parts of a GraphQLError we read, checked structurally. */
interface LocatedError {
  message: string;
  originalError?: unknown;
  nodes?: ReadonlyArray<ASTNode>;
  path?: ReadonlyArray<string | number>;
  extensions?: Record<string, unknown>;
}

/** Extensions that carry internals: never sent, in any environment. */
const INTERNAL_EXTENSIONS = ['originalError', 'stack', 'exception'];

/**
 * Yoga's maskError, except that an InputError (a caller mistake with a message written for the
 * caller) is shown with its `extensions.code` and `param`. Everything else keeps Yoga's masking:
 * "Unexpected error." and nothing from the original error, whatever NODE_ENV says (Yoga adds
 * the original error and its stack when NODE_ENV=development). Errors Yoga made itself (bad
 * JSON, validation) keep their message but lose `extensions.originalError`: Yoga's JSON body
 * parser puts the parser's own error there in every environment.
 * Masked errors are recorded in `originals` (see request-id.ts: logged once, with the request id).
 * The check is structural, and errors are made with Yoga's createGraphQLError: `graphql` ships
 * an ESM and a CommonJS build, and where both load (vitest inlines our sources with the ESM
 * one) `instanceof GraphQLError` fails across them.
 */
export function createMaskError(originals: MaskedOriginals): (error: unknown, message: string) => Error {
  return (error, message) => {
    const located = typeof error === 'object' && error !== null ? (error as LocatedError) : undefined;
    const original = located?.originalError ?? error;
    if (original instanceof InputError) {
      return createGraphQLError(original.message, {
        ...(located?.nodes ? { nodes: located.nodes } : {}),
        ...(located?.path ? { path: located.path } : {}),
        extensions: { code: original.code, ...(original.param === null ? {} : { param: original.param }) },
      });
    }
    const masked = yogaMaskError(error, message, false);
    if (masked !== error) {
      originals.set(masked, original);
      return masked;
    }
    return withoutInternals(masked as LocatedError & Error);
  };
}

function withoutInternals(error: LocatedError & Error): Error {
  const extensions = error.extensions ?? {};
  if (!INTERNAL_EXTENSIONS.some((name) => name in extensions)) return error;
  const kept = Object.fromEntries(Object.entries(extensions).filter(([name]) => !INTERNAL_EXTENSIONS.includes(name)));
  // Yoga answers an application/json request 200 unless an error carries a non-GraphQL
  // originalError; without it, a refused body (invalid JSON: 400) keeps its status only if its
  // `http` extension stops claiming the graphql-over-http "spec" 200.
  const http = kept.http as { status?: number; spec?: boolean } | undefined;
  if (http?.status !== undefined) kept.http = { ...http, spec: false };
  return createGraphQLError(error.message, {
    ...(error.nodes ? { nodes: error.nodes } : {}),
    ...(error.path ? { path: error.path } : {}),
    extensions: kept,
  });
}
