import { minuteWindow } from '@proxystacks/shared/quota/budget-window';
import type { LocalCounter } from './local-counter.ts';
import { remainingOverall } from './local-counter.ts';

/**
 * Time until a reset in OpenAI's duration format, as its `x-ratelimit-reset-*` headers send it:
 * `20ms`, `1s`, `7.66s`, `6m0s`, `1h2m3s`.
 */
export function formatResetDuration(ms: number): string {
  const total = Math.max(0, Math.ceil(ms));
  if (total < 1_000) return `${total}ms`;
  const hours = Math.floor(total / 3_600_000);
  const minutes = Math.floor((total % 3_600_000) / 60_000);
  const secondsMs = total % 60_000;
  // Integer arithmetic, not toFixed: this runs on every answer of a rate-limited key.
  const millis = secondsMs % 1_000;
  let secondsText = String((secondsMs - millis) / 1_000);
  if (millis !== 0) secondsText += `.${String(millis).padStart(3, '0').replace(TRAILING_ZEROS, '')}`;
  secondsText += 's';
  if (hours > 0) return `${hours}h${minutes}m${secondsText}`;
  if (minutes > 0) return `${minutes}m${secondsText}`;
  return secondsText;
}

const TRAILING_ZEROS = /0+$/;

/**
 * The `x-ratelimit-*-requests` and `-tokens` trios for a key's rate-limit counters (rpm and tpm of
 * the key, its team and its project): for each, the scope with the least left, which is the one
 * that will refuse first. Null when the key has neither kind.
 */
export function rateLimitHeaders(rpm: readonly LocalCounter[], tpm: readonly LocalCounter[], serverNowMs: number): Record<string, string> | null {
  if (rpm.length === 0 && tpm.length === 0) return null;
  const headers: Record<string, string> = {};
  trio(headers, 'requests', rpm, serverNowMs);
  trio(headers, 'tokens', tpm, serverNowMs);
  return headers;
}

/** The three header names per kind, built once (template keys on every answer cost more than the figures). */
const NAMES = {
  requests: { limit: 'x-ratelimit-limit-requests', remaining: 'x-ratelimit-remaining-requests', reset: 'x-ratelimit-reset-requests' },
  tokens: { limit: 'x-ratelimit-limit-tokens', remaining: 'x-ratelimit-remaining-tokens', reset: 'x-ratelimit-reset-tokens' },
} as const;

function trio(headers: Record<string, string>, what: 'requests' | 'tokens', counters: readonly LocalCounter[], serverNowMs: number): void {
  let tightest: LocalCounter | null = null;
  let tightestLeft = Infinity;
  for (const counter of counters) {
    const left = counter.windowStart === null ? counter.limit : remainingOverall(counter);
    if (left < tightestLeft) {
      tightest = counter;
      tightestLeft = left;
    }
  }
  if (tightest === null) return;
  const end = tightest.windowEnd !== null && tightest.windowEnd > serverNowMs ? tightest.windowEnd : minuteWindow(serverNowMs).end!;
  const names = NAMES[what];
  headers[names.limit] = String(tightest.limit);
  headers[names.remaining] = String(Math.max(0, Math.min(tightest.limit, tightestLeft)));
  headers[names.reset] = formatResetDuration(end - serverNowMs);
}
