import { RelayError } from '@proxystacks/shared/errors/relay-error';
import type { ErrorCode } from '@proxystacks/shared/errors/error-codes';
import type { CompiledDeployment } from '../snapshot/compiled-snapshot.ts';

/**
 * Maps an upstream's HTTP error to a Relay error. Only an upstream's complaint about the
 * request itself (4xx other than auth and rate limits) is shown to the client, truncated,
 * because the client needs it to fix the request; everything else is described in our own
 * words so no upstream detail (account names, partial keys) leaks.
 */
export function upstreamHttpError(deployment: CompiledDeployment, status: number, bodyText: string): RelayError {
  const upstream = parseUpstreamError(bodyText);
  const code = codeForStatus(status);
  const attempt = {
    providerId: deployment.provider.id,
    upstreamModel: deployment.upstreamModel,
    code,
    upstreamStatus: status,
    ...(upstream.code === undefined ? {} : { upstreamErrorCode: upstream.code }),
  };
  const message =
    code === 'upstream_invalid_request' && upstream.message !== undefined
      ? `The upstream provider rejected the request: ${upstream.message.slice(0, 500)}`
      : messageFor(code);
  return new RelayError(code, message, { attempts: [attempt], ...(upstream.code === undefined ? {} : { upstreamErrorCode: upstream.code }) });
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

function parseUpstreamError(text: string): { message?: string; code?: string } {
  try {
    const body = JSON.parse(text) as { error?: { message?: unknown; code?: unknown; type?: unknown } | string };
    const error = body.error;
    if (typeof error === 'string') return { message: error };
    if (error === undefined || error === null) return {};
    const code = typeof error.code === 'string' ? error.code : typeof error.type === 'string' ? error.type : undefined;
    return {
      ...(typeof error.message === 'string' ? { message: error.message } : {}),
      ...(code === undefined ? {} : { code: code.slice(0, 100) }),
    };
  } catch {
    return {};
  }
}
