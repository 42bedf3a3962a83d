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
 *
 * Each answer is one object literal of a fixed shape: six stores under names chosen at run time
 * made the object's property access megamorphic (and its enumeration slow) on every answer.
 */
export function rateLimitHeaders(rpm: readonly LocalCounter[], tpm: readonly LocalCounter[], serverNowMs: number): Record<string, string> | null {
  const requests = tightest(rpm, serverNowMs, limitText.requests);
  const tokens = tightest(tpm, serverNowMs, limitText.tokens);
  if (requests !== null && tokens !== null) {
    return {
      'x-ratelimit-limit-requests': requests.limit,
      'x-ratelimit-remaining-requests': requests.remaining,
      'x-ratelimit-reset-requests': requests.reset,
      'x-ratelimit-limit-tokens': tokens.limit,
      'x-ratelimit-remaining-tokens': tokens.remaining,
      'x-ratelimit-reset-tokens': tokens.reset,
    };
  }
  if (requests !== null) {
    return { 'x-ratelimit-limit-requests': requests.limit, 'x-ratelimit-remaining-requests': requests.remaining, 'x-ratelimit-reset-requests': requests.reset };
  }
  if (tokens !== null) {
    return { 'x-ratelimit-limit-tokens': tokens.limit, 'x-ratelimit-remaining-tokens': tokens.remaining, 'x-ratelimit-reset-tokens': tokens.reset };
  }
  return null;
}

/**
 * The last figure formatted and its text. A limit changes only with the configuration and both
 * trios of one answer share their reset, so most answers format neither again.
 */
class LastText {
  #value = Number.NaN;
  #text = '';
  readonly #format: (value: number) => string;
  constructor(format: (value: number) => string) {
    this.#format = format;
  }
  of(value: number): string {
    if (value !== this.#value) {
      this.#text = this.#format(value);
      this.#value = value;
    }
    return this.#text;
  }
}
const limitText = { requests: new LastText(String), tokens: new LastText(String) };
const resetText = new LastText(formatResetDuration);

/** One trio's figures, as header values. */
interface Trio {
  limit: string;
  remaining: string;
  reset: string;
}

/** The trio of the counter with the least left among `counters`; null when there are none. */
function tightest(counters: readonly LocalCounter[], serverNowMs: number, limits: LastText): Trio | null {
  let found: LocalCounter | null = null;
  let foundLeft = Infinity;
  for (const counter of counters) {
    const left = counter.windowStart === null ? counter.limit : remainingOverall(counter);
    if (left < foundLeft) {
      found = counter;
      foundLeft = left;
    }
  }
  if (found === null) return null;
  const end = found.windowEnd !== null && found.windowEnd > serverNowMs ? found.windowEnd : minuteWindow(serverNowMs).end!;
  return { limit: limits.of(found.limit), remaining: String(Math.max(0, Math.min(found.limit, foundLeft))), reset: resetText.of(end - serverNowMs) };
}
