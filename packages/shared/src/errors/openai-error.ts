import { ERROR_CODES, type ErrorCodeSpec } from './error-codes.ts';
import { isRelayError } from './relay-error.ts';

/** The OpenAI error body: `{"error":{"message","type","code","param"}}`. */
export interface OpenAIErrorBody {
  error: {
    message: string;
    type: string;
    code: string;
    param: string | null;
  };
}

/** A serialised error: what the edge writes, and whether clients should retry. */
export interface SerialisedError {
  readonly status: number;
  readonly body: OpenAIErrorBody;
  readonly retryable: boolean;
  /** A `retry-after` to send, in seconds: the error's own, else the code table's. */
  readonly retryAfterSeconds?: number;
}

/**
 * Turns anything thrown into the OpenAI error shape. A RelayError keeps its code and message;
 * anything else is masked as `internal_error` with only the request id, because its message
 * may carry a key, a connection string or an upstream body (graphql-yoga's mask-error rule).
 */
export function toOpenAIError(err: unknown, requestId: string): SerialisedError {
  if (isRelayError(err)) {
    const spec: ErrorCodeSpec = ERROR_CODES[err.code];
    // The error's own figure (e.g. what an upstream asked for) wins over the table's default.
    const retryAfterSeconds = err.retryAfterSeconds ?? spec.retryAfterSeconds;
    return {
      status: spec.status,
      retryable: spec.retryable,
      ...(retryAfterSeconds === undefined ? {} : { retryAfterSeconds }),
      body: { error: { message: err.message, type: spec.type, code: err.code, param: err.param } },
    };
  }
  const spec = ERROR_CODES.internal_error;
  return {
    status: spec.status,
    retryable: false,
    body: {
      error: {
        message: `Internal error, request id ${requestId}`,
        type: spec.type,
        code: 'internal_error',
        param: null,
      },
    },
  };
}
