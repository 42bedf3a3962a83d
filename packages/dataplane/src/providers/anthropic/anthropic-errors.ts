import { RelayError } from '@proxystacks/shared/errors/relay-error';
import type { ErrorCode } from '@proxystacks/shared/errors/error-codes';
import type { CompiledDeployment } from '../../snapshot/compiled-snapshot.ts';
import { KNOWN_UPSTREAM_CODES } from '../known-upstream-codes.ts';
import { upstreamHttpError } from '../upstream-errors.ts';

/** Anthropic words a prompt past the context window as `invalid_request_error` "prompt is too long: …". */
const PROMPT_TOO_LONG = /prompt is too long/i;

/**
 * Maps an Anthropic error answer (`{"type":"error","error":{"type","message"}}`) to a Relay
 * error. Most statuses mean what they mean for every provider (upstream-errors.ts: 401/403 →
 * upstream_auth_failed, 429 → upstream_rate_limited, other 4xx → the request, 5xx → upstream_error);
 * on top of that:
 * - 529 `overloaded_error` (Anthropic's own status) → `upstream_overloaded`, a retryable 503,
 *   so the fallback loop moves on and clients retry later;
 * - 402 `billing_error` is the gateway's account, not the client's request → `upstream_error`;
 * - "prompt is too long" → `context_length_exceeded`, OpenAI's code for it (the text is only
 *   matched, never shown);
 * - the upstream's `retry-after` is kept for the client (429 above all).
 * https://docs.anthropic.com/en/api/errors
 */
export function anthropicHttpError(deployment: CompiledDeployment, status: number, bodyText: string, retryAfterSeconds: number | null): RelayError {
  const upstream = parseAnthropicError(bodyText);
  const retryAfter = retryAfterSeconds === null ? {} : { retryAfterSeconds };
  const own = (code: ErrorCode, message: string) =>
    new RelayError(code, message, {
      attempts: [{ providerId: deployment.provider.id, upstreamModel: deployment.upstreamModel, code, upstreamStatus: status, ...(upstream.type === undefined ? {} : { upstreamErrorCode: upstream.type }) }],
      ...(upstream.type === undefined ? {} : { upstreamErrorCode: upstream.type }),
      ...retryAfter,
    });
  if (status === 529 || upstream.type === 'overloaded_error') return own('upstream_overloaded', 'The upstream provider is overloaded. Try again shortly.');
  if (status === 402 || upstream.type === 'billing_error') return own('upstream_error', 'The upstream provider refused to serve the gateway’s account.');
  if (status === 400 && upstream.type === 'invalid_request_error' && PROMPT_TOO_LONG.test(upstream.message ?? '')) {
    return own('context_length_exceeded', KNOWN_UPSTREAM_CODES.context_length_exceeded!.message);
  }
  return upstreamHttpError(deployment, status, bodyText, retryAfter);
}

/** The error's type and message; both undefined when the body is not Anthropic's error shape. */
function parseAnthropicError(text: string): { type?: string; message?: string } {
  try {
    const error = (JSON.parse(text) as { error?: { type?: unknown; message?: unknown } } | null)?.error;
    return {
      ...(typeof error?.type === 'string' && /^[a-z_]{1,64}$/.test(error.type) ? { type: error.type } : {}),
      ...(typeof error?.message === 'string' ? { message: error.message } : {}),
    };
  } catch {
    return {};
  }
}
