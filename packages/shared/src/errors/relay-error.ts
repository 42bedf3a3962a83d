import { ERROR_CODES, type ErrorCode, type ErrorCodeSpec } from './error-codes.ts';

/** One failed upstream attempt, kept so a fallback's final error names every provider tried. */
export interface AttemptError {
  readonly providerId: string;
  readonly upstreamModel: string;
  readonly code: ErrorCode;
  /** HTTP status the upstream answered with; 0 when it never answered (connect error, timeout). */
  readonly upstreamStatus: number;
  /** The provider's own error code or type, for the event log only. Never shown to clients. */
  readonly upstreamErrorCode?: string;
}

/** Options for {@link RelayError}. */
export interface RelayErrorOptions {
  readonly param?: string | null;
  readonly attempts?: readonly AttemptError[];
  /** Provider-side detail for the event log (never serialised to the client). */
  readonly upstreamErrorCode?: string;
  readonly cause?: unknown;
  /** Sent as the `retry-after` header (seconds) when the client should come back later. */
  readonly retryAfterSeconds?: number;
}

/**
 * The only error a client ever sees. Its message must be safe to show: no keys, no upstream
 * URLs, no upstream bodies. Anything that is not a RelayError becomes `internal_error` at the
 * edge (see toOpenAIError), so a leaked `err.message` cannot reach a client.
 *
 * @example throw new RelayError('model_not_found', `The model '${alias}' does not exist.`, { param: 'model' })
 */
export class RelayError extends Error {
  override readonly name = 'RelayError';
  readonly code: ErrorCode;
  readonly param: string | null;
  readonly attempts: readonly AttemptError[];
  readonly upstreamErrorCode: string | undefined;
  readonly retryAfterSeconds: number | undefined;

  constructor(code: ErrorCode, message: string, options: RelayErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.param = options.param ?? null;
    this.attempts = options.attempts ?? [];
    this.upstreamErrorCode = options.upstreamErrorCode;
    this.retryAfterSeconds = options.retryAfterSeconds;
  }

  /** HTTP status from the code table. */
  get status(): number {
    return ERROR_CODES[this.code].status;
  }

  /** Whether a retry, by the fallback loop or by the client, may succeed. */
  get retryable(): boolean {
    return ERROR_CODES[this.code].retryable;
  }

  /** Whether the fallback loop may try the next deployment (a failure tied to this deployment only). */
  get fallsBack(): boolean {
    const spec: ErrorCodeSpec = ERROR_CODES[this.code];
    return spec.fallsBack ?? spec.retryable;
  }
}

/** Narrowing helper that also survives duplicated module instances (checks the name and code). */
export function isRelayError(err: unknown): err is RelayError {
  return err instanceof RelayError || (err instanceof Error && err.name === 'RelayError' && 'code' in err);
}
