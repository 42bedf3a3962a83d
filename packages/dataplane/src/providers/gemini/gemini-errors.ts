import type { RelayError } from '@proxystacks/shared/errors/relay-error';
import type { CompiledDeployment } from '../../snapshot/compiled-snapshot.ts';
import { upstreamHttpError } from '../upstream-errors.ts';
import type { GeminiErrorBody } from './gemini-wire.ts';

/** `google.rpc.ErrorInfo` reasons that mean the gateway's API key is wrong, whatever the HTTP status. */
const BAD_KEY_REASONS = new Set(['API_KEY_INVALID', 'API_KEY_EXPIRED']);

/** The longest wait passed on to clients (Gemini's RetryInfo can ask for minutes on daily quotas). */
const MAX_RETRY_AFTER_SECONDS = 3600;

/**
 * Maps a Gemini HTTP error (`{"error":{"code","message","status","details"}}`) to a Relay error
 * with the same status class, through the shared mapping (upstream-errors.ts), which keeps
 * Gemini's canonical `status` (INVALID_ARGUMENT, RESOURCE_EXHAUSTED…) for the event log and
 * never shows Gemini's message. Two Gemini quirks are handled first:
 * - a bad API key is answered 400 INVALID_ARGUMENT with ErrorInfo reason API_KEY_INVALID: it is
 *   the gateway's credential, not the client's request, so it maps as a 401 would (and falls back);
 * - a 429 says how long to wait in a RetryInfo detail (`"retryDelay":"37s"`) more often than in a
 *   `retry-after` header: either becomes the client's `retry-after`.
 * Reference: https://ai.google.dev/gemini-api/docs/troubleshooting (error codes) and google.rpc.Status.
 */
export function geminiHttpError(deployment: CompiledDeployment, status: number, headers: Record<string, string | string[] | undefined>, bodyText: string): RelayError {
  const body = parseGeminiError(bodyText);
  const details = body?.error.details ?? [];
  const badKey = details.some((detail) => typeof detail.reason === 'string' && BAD_KEY_REASONS.has(detail.reason));
  const retryAfterSeconds = status === 429 || status === 503 ? retryAfterOf(headers['retry-after'], details) : undefined;
  return upstreamHttpError(deployment, badKey ? 401 : status, bodyText, retryAfterSeconds === undefined ? {} : { retryAfterSeconds });
}

function parseGeminiError(text: string): GeminiErrorBody | null {
  try {
    const value = JSON.parse(text) as GeminiErrorBody;
    return typeof value?.error === 'object' && value.error !== null ? value : null;
  } catch {
    return null;
  }
}

/** Seconds to wait: the `retry-after` header (delta-seconds) first, else RetryInfo's `retryDelay` (a protobuf Duration, "37s" or "1.5s"). */
export function retryAfterOf(header: string | string[] | undefined, details: GeminiErrorBody['error']['details'] = []): number | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  if (value !== undefined && /^\d{1,10}$/.test(value.trim())) return Math.min(Number(value.trim()), MAX_RETRY_AFTER_SECONDS);
  for (const detail of details ?? []) {
    if (!String(detail['@type'] ?? '').endsWith('google.rpc.RetryInfo') || typeof detail.retryDelay !== 'string') continue;
    const match = /^(\d{1,10})(?:\.\d+)?s$/.exec(detail.retryDelay);
    if (match === null) continue;
    const seconds = Math.ceil(Number(detail.retryDelay.slice(0, -1)));
    return Math.min(Math.max(seconds, 1), MAX_RETRY_AFTER_SECONDS);
  }
  return undefined;
}
