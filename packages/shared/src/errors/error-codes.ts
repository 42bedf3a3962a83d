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
  unauthenticated: { status: 401, type: 'authentication_error', retryable: false },
  forbidden: { status: 403, type: 'permission_error', retryable: false },

  // Limits and money.
  rate_limit_exceeded: { status: 429, type: 'rate_limit_error', retryable: true },
  insufficient_quota: { status: 429, type: 'insufficient_quota', retryable: false },

  // The upstream provider. Each keeps the status class a client expects from OpenAI.
  upstream_invalid_request: { status: 400, type: 'invalid_request_error', retryable: false },
  upstream_auth_failed: { status: 502, type: 'api_error', retryable: true },
  upstream_rate_limited: { status: 429, type: 'rate_limit_error', retryable: true },
  upstream_error: { status: 502, type: 'api_error', retryable: true },
  upstream_timeout: { status: 504, type: 'api_error', retryable: true },
  upstream_stream_interrupted: { status: 502, type: 'api_error', retryable: false },

  // The gateway itself.
  not_ready: { status: 503, type: 'api_error', retryable: true },
  /** Too many request bodies are being buffered at once (MAX_BUFFERED_BODY_BYTES); answered with retry-after. */
  server_overloaded: { status: 503, type: 'api_error', retryable: true },
  internal_error: { status: 500, type: 'api_error', retryable: false },
} as const satisfies Record<string, ErrorCodeSpec>;

/** What one error code means on the wire. */
export interface ErrorCodeSpec {
  readonly status: number;
  readonly type: string;
  readonly retryable: boolean;
}

/** A stable, machine-matchable error code. */
export type ErrorCode = keyof typeof ERROR_CODES;

/** True when `code` is one of ours (used when decoding errors that crossed a process boundary). */
export function isErrorCode(code: unknown): code is ErrorCode {
  return typeof code === 'string' && Object.hasOwn(ERROR_CODES, code);
}
