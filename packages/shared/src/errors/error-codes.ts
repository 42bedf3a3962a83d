/**
 * The one table that decides what a client sees for each failure: HTTP status, OpenAI error
 * `type`, and whether a retry (by the client, or the gateway's fallback loop) may succeed.
 *
 * Codes reuse OpenAI's own `code` strings where OpenAI has one (`invalid_api_key`,
 * `model_not_found`, `rate_limit_exceeded`, `insufficient_quota`, `invalid_type`,
 * `missing_required_parameter`), so SDK error handling written against OpenAI keeps working.
 * Codes are stable: clients and tests match on them, never on message text.
 */
export const ERROR_CODES = {
  // The client's request.
  invalid_json: { status: 400, type: 'invalid_request_error', retryable: false },
  invalid_type: { status: 400, type: 'invalid_request_error', retryable: false },
  invalid_value: { status: 400, type: 'invalid_request_error', retryable: false },
  missing_required_parameter: { status: 400, type: 'invalid_request_error', retryable: false },
  unsupported_media_type: { status: 415, type: 'invalid_request_error', retryable: false },
  body_too_large: { status: 413, type: 'invalid_request_error', retryable: false },
  unknown_url: { status: 404, type: 'invalid_request_error', retryable: false },
  method_not_allowed: { status: 405, type: 'invalid_request_error', retryable: false },
  model_not_found: { status: 404, type: 'invalid_request_error', retryable: false },
  /** A request field the endpoint does not know (OpenAI's own code; /v1/responses translates every field, so none passes unseen). */
  unknown_parameter: { status: 400, type: 'invalid_request_error', retryable: false },
  /** The alias exists but none of its deployments can serve this kind of request (e.g. embeddings on an Anthropic model). */
  model_not_supported: { status: 400, type: 'invalid_request_error', retryable: false },
  /** Internal ingest: a batch id seen before with different content (never silently dropped). */
  batch_id_conflict: { status: 409, type: 'invalid_request_error', retryable: false },
  // Shape limits that keep one request from stalling the event loop (issue 6). `array_above_max_length`
  // is OpenAI's own code for an over-long array such as `tools`.
  json_too_deep: { status: 400, type: 'invalid_request_error', retryable: false },
  json_too_many_values: { status: 400, type: 'invalid_request_error', retryable: false },
  array_above_max_length: { status: 400, type: 'invalid_request_error', retryable: false },
  // The HTTP edge (infra/http-edge.md).
  invalid_content_length: { status: 400, type: 'invalid_request_error', retryable: false },
  uri_too_long: { status: 414, type: 'invalid_request_error', retryable: false },
  request_header_fields_too_large: { status: 431, type: 'invalid_request_error', retryable: false },

  // Who is calling.
  invalid_api_key: { status: 401, type: 'invalid_request_error', retryable: false },
  api_key_revoked: { status: 401, type: 'invalid_request_error', retryable: false },
  /** A key an admin switched off (it may be switched on again). */
  api_key_disabled: { status: 401, type: 'invalid_request_error', retryable: false },
  /** A key past its expiry. */
  api_key_expired: { status: 401, type: 'invalid_request_error', retryable: false },
  unauthenticated: { status: 401, type: 'authentication_error', retryable: false },
  forbidden: { status: 403, type: 'permission_error', retryable: false },
  /** The key's allow-list of aliases does not include the requested model. */
  model_not_allowed: { status: 403, type: 'permission_error', retryable: false },
  /** A cookie-authenticated console request without its session's `x-csrf-token` (issue 7). */
  csrf_token_invalid: { status: 403, type: 'permission_error', retryable: false },
  /** Console sign-in refused while the account is locked after repeated failures; `retry-after` says until when. */
  account_locked: { status: 429, type: 'rate_limit_error', retryable: true },

  // Limits and money.
  rate_limit_exceeded: { status: 429, type: 'rate_limit_error', retryable: true },
  insufficient_quota: { status: 429, type: 'insufficient_quota', retryable: false },
  /** A ledger posting's idempotency key was used before for a different posting (issue 8). */
  idempotency_key_reused: { status: 409, type: 'invalid_request_error', retryable: false },

  // The upstream provider. Each keeps the status class a client expects from OpenAI.
  upstream_invalid_request: { status: 400, type: 'invalid_request_error', retryable: false },
  // An upstream's 4xx with a well-known code (providers/known-upstream-codes.ts): OpenAI's names.
  context_length_exceeded: { status: 400, type: 'invalid_request_error', retryable: false },
  unsupported_parameter: { status: 400, type: 'invalid_request_error', retryable: false },
  unsupported_value: { status: 400, type: 'invalid_request_error', retryable: false },
  content_policy_violation: { status: 400, type: 'invalid_request_error', retryable: false },
  upstream_auth_failed: { status: 502, type: 'api_error', retryable: true },
  upstream_rate_limited: { status: 429, type: 'rate_limit_error', retryable: true },
  upstream_error: { status: 502, type: 'api_error', retryable: true },
  upstream_timeout: { status: 504, type: 'api_error', retryable: true },
  upstream_stream_interrupted: { status: 502, type: 'api_error', retryable: false },
  // Too many requests already wait for this deployment's origin (the per-origin connection limit
  // and its bounded queue): a fallback on another origin, or a retry a moment later, may succeed.
  upstream_overloaded: { status: 503, type: 'api_error', retryable: true, retryAfterSeconds: 1 },
  // An answer (JSON body or one SSE event) past the gateway's byte limit. Not retried on the
  // next deployment: the upstream already produced (and billed) it, and an oversized answer
  // usually follows from the request (max_tokens, n, logprobs), so a retry pays again for the same.
  upstream_response_too_large: { status: 502, type: 'api_error', retryable: false },
  // The upstream address policy refused the connection (a provider host resolving to a
  // metadata, link-local or not-allowed private/loopback address, issue 7). The same deployment
  // will refuse again, so no client retry; the next deployment, elsewhere, may still answer.
  upstream_address_refused: { status: 502, type: 'api_error', retryable: false, fallsBack: true },
  // Every deployment of the alias has its circuit breaker open (issue 9): answered at once, without
  // waiting for a dead provider's timeout; `retry-after` says when the first one lets a probe through.
  upstream_unavailable: { status: 503, type: 'api_error', retryable: true, retryAfterSeconds: 1 },

  // The gateway itself.
  not_ready: { status: 503, type: 'api_error', retryable: true },
  /** Too many request bodies are being buffered at once (MAX_BUFFERED_BODY_BYTES); answered with retry-after. */
  server_overloaded: { status: 503, type: 'api_error', retryable: true, retryAfterSeconds: 1 },
  internal_error: { status: 500, type: 'api_error', retryable: false },
} as const satisfies Record<string, ErrorCodeSpec>;

/** What one error code means on the wire. */
export interface ErrorCodeSpec {
  readonly status: number;
  readonly type: string;
  readonly retryable: boolean;
  /** Sent as `retry-after` (seconds), which the OpenAI SDKs wait for before retrying. */
  readonly retryAfterSeconds?: number;
  /** Whether the fallback loop tries the alias's next deployment; default: `retryable`. */
  readonly fallsBack?: boolean;
}

/** A stable, machine-matchable error code. */
export type ErrorCode = keyof typeof ERROR_CODES;

/** True when `code` is one of ours (used when decoding errors that crossed a process boundary). */
export function isErrorCode(code: unknown): code is ErrorCode {
  return typeof code === 'string' && Object.hasOwn(ERROR_CODES, code);
}
