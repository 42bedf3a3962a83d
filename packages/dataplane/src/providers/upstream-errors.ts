import { RelayError } from '@proxystacks/shared/errors/relay-error';
import type { ErrorCode } from '@proxystacks/shared/errors/error-codes';
import type { CompiledDeployment } from '../snapshot/compiled-snapshot.ts';
import { KNOWN_UPSTREAM_CODES } from './known-upstream-codes.ts';

/**
 * Maps an upstream's HTTP error to a Relay error, in our own words. An upstream's complaint
 * about the request itself (4xx other than auth and rate limits) keeps what lets the client
 * fix it, the provider's error code and `param`, but never the provider's free text: providers
 * put organisation and account ids in it (the issue 6 leak). The code also goes to the event's
 * `upstream_error_code`.
 */
export function upstreamHttpError(deployment: CompiledDeployment, status: number, bodyText: string, options: { retryAfterSeconds?: number } = {}): RelayError {
  const upstream = parseUpstreamError(bodyText);
  const statusCode = codeForStatus(status);
  const aboutRequest = statusCode === 'upstream_invalid_request';
  const summary = aboutRequest ? summariseInvalidRequest(upstream) : { code: statusCode, message: messageFor(statusCode) };
  const attempt = {
    providerId: deployment.provider.id,
    upstreamModel: deployment.upstreamModel,
    code: summary.code,
    upstreamStatus: status,
    ...(upstream.code === undefined ? {} : { upstreamErrorCode: upstream.code }),
  };
  return new RelayError(summary.code, summary.message, {
    attempts: [attempt],
    ...(aboutRequest && upstream.param !== undefined ? { param: upstream.param } : {}),
    ...(upstream.code === undefined ? {} : { upstreamErrorCode: upstream.code }),
    // What the upstream asked for (a 429's wait) reaches the client as its `retry-after`.
    ...(options.retryAfterSeconds === undefined ? {} : { retryAfterSeconds: options.retryAfterSeconds }),
  });
}

/** A well-known provider code becomes ours; any other is named in our generic message. */
function summariseInvalidRequest(upstream: ParsedUpstreamError): { code: ErrorCode; message: string } {
  const param = upstream.param === undefined ? '' : ` Parameter: \`${upstream.param}\`.`;
  const known = upstream.code === undefined ? undefined : KNOWN_UPSTREAM_CODES[upstream.code];
  if (known !== undefined) return { code: known.code, message: `${known.message}${param}` };
  const named = upstream.code === undefined ? '' : ` (provider code \`${upstream.code}\`)`;
  return { code: 'upstream_invalid_request', message: `The upstream provider rejected the request${named}.${param}` };
}

/** A failure before any answer: connection refused, reset, DNS, timeout. */
export function upstreamTransportError(deployment: CompiledDeployment, err: unknown, timedOut: boolean): RelayError {
  const code: ErrorCode = timedOut ? 'upstream_timeout' : 'upstream_error';
  const detail = (err as { code?: unknown })?.code;
  return new RelayError(code, messageFor(code), {
    attempts: [{ providerId: deployment.provider.id, upstreamModel: deployment.upstreamModel, code, upstreamStatus: 0, ...(typeof detail === 'string' ? { upstreamErrorCode: detail } : {}) }],
    ...(typeof detail === 'string' ? { upstreamErrorCode: detail } : {}),
    cause: err,
  });
}

/**
 * The upstream address policy refused the connection (upstream/address-guarded-connector.ts).
 * The message names neither the host nor the address; the category goes to the event log.
 */
export function upstreamAddressRefused(deployment: CompiledDeployment, category: string): RelayError {
  const code: ErrorCode = 'upstream_address_refused';
  return new RelayError(code, 'The gateway refused to connect to the provider of this model: its address is not allowed by the upstream address policy.', {
    attempts: [{ providerId: deployment.provider.id, upstreamModel: deployment.upstreamModel, code, upstreamStatus: 0, upstreamErrorCode: category }],
    upstreamErrorCode: category,
  });
}

/**
 * An answer past the gateway's byte limit (a JSON body, or one SSE event before anything was
 * relayed). Not retryable (see ERROR_CODES.upstream_response_too_large).
 */
export function upstreamResponseTooLarge(deployment: CompiledDeployment, what: 'answer' | 'stream event', maxBytes: number): RelayError {
  const code: ErrorCode = 'upstream_response_too_large';
  const upstreamStatus = 200;
  return new RelayError(code, `An upstream provider's ${what} was larger than the gateway accepts (${maxBytes} bytes).`, {
    attempts: [{ providerId: deployment.provider.id, upstreamModel: deployment.upstreamModel, code, upstreamStatus }],
  });
}

function codeForStatus(status: number): ErrorCode {
  if (status === 401 || status === 403) return 'upstream_auth_failed';
  if (status === 429) return 'upstream_rate_limited';
  if (status === 408 || status === 504) return 'upstream_timeout';
  if (status >= 400 && status < 500) return 'upstream_invalid_request';
  return 'upstream_error';
}

const UPSTREAM_MESSAGES: Partial<Record<ErrorCode, string>> = {
  upstream_auth_failed: 'The upstream provider refused the gateway’s credentials.',
  upstream_rate_limited: 'The upstream provider is rate limiting requests. Try again shortly.',
  upstream_timeout: 'The upstream provider did not answer in time.',
  upstream_invalid_request: 'The upstream provider rejected the request.',
  upstream_error: 'The upstream provider failed to answer.',
};

function messageFor(code: ErrorCode): string {
  return UPSTREAM_MESSAGES[code] ?? 'The upstream provider failed to answer.';
}

/** What may be kept of an upstream error body: identifier-shaped code and param, never the text. */
interface ParsedUpstreamError {
  code?: string;
  param?: string;
}

/**
 * Identifiers only: a code like `context_length_exceeded`, a param like `messages[3].content`.
 * Anything else (spaces, quotes, a sentence in the code field) is dropped rather than shown.
 */
const UPSTREAM_CODE_PATTERN = /^[A-Za-z][A-Za-z0-9_.-]{0,99}$/;
const UPSTREAM_PARAM_PATTERN = /^[A-Za-z_][A-Za-z0-9_.[\]-]{0,127}$/;

/** OpenAI, DeepSeek, vLLM: `error.code`/`error.type`/`error.param`; Gemini: `error.status`. */
function parseUpstreamError(text: string): ParsedUpstreamError {
  let body: { error?: { code?: unknown; type?: unknown; status?: unknown; param?: unknown } | string | null };
  try {
    body = JSON.parse(text) as typeof body;
  } catch {
    return {};
  }
  const error = body?.error;
  if (typeof error !== 'object' || error === null) return {};
  const code = [error.code, error.type, error.status].find((value) => typeof value === 'string' && UPSTREAM_CODE_PATTERN.test(value)) as string | undefined;
  const param = typeof error.param === 'string' && UPSTREAM_PARAM_PATTERN.test(error.param) ? error.param : undefined;
  return { ...(code === undefined ? {} : { code }), ...(param === undefined ? {} : { param }) };
}
