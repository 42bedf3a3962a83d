import { divRoundHalfUp, floorMillionths, microsFromBigInt, type Micros } from '../money/micros.ts';

/**
 * Token counts for one request, as reported by the provider or estimated. `cachedTokens` and
 * `cacheWriteTokens` are disjoint parts of `promptTokens`: together at most all of it.
 */
export interface TokenUsage {
  readonly promptTokens: number;
  readonly completionTokens: number;
  /** Prompt tokens read from the provider's prompt cache. */
  readonly cachedTokens: number;
  /** Prompt tokens written to the provider's prompt cache (Anthropic's `cache_creation_input_tokens`). */
  readonly cacheWriteTokens: number;
}

/**
 * Prices per million tokens, in micros. A null `cachedInputMicrosPerMTok` or
 * `cacheWriteMicrosPerMTok` means those prompt tokens are billed at the normal input price.
 */
export interface TokenPrices {
  readonly inputMicrosPerMTok: number;
  readonly outputMicrosPerMTok: number;
  readonly cachedInputMicrosPerMTok: number | null;
  /**
   * Prompt-cache writes, which Anthropic bills above input: 1.25× for the 5-minute cache, 2× for
   * the 1-hour one (https://platform.claude.com/en/docs/build-with-claude/prompt-caching). One
   * price per rule: a rule is for the TTL its model is used with.
   */
  readonly cacheWriteMicrosPerMTok: number | null;
}

const TOKENS_PER_MTOK = 1_000_000n;

/**
 * Cost of one request in micros. The exact numerator (tokens × price per million) is summed over
 * all token classes first and rounded once, so a request is never charged more than half a
 * micro away from its exact price, and the sum never depends on the order of terms.
 *
 * @example priceRequest({ promptTokens: 1000, completionTokens: 500, cachedTokens: 0, cacheWriteTokens: 0 },
 *   { inputMicrosPerMTok: 150_000, outputMicrosPerMTok: 600_000, cachedInputMicrosPerMTok: null, cacheWriteMicrosPerMTok: null }) === 450
 */
export function priceRequest(usage: TokenUsage, prices: TokenPrices): Micros {
  assertTokenCount(usage.promptTokens, 'promptTokens');
  assertTokenCount(usage.completionTokens, 'completionTokens');
  assertTokenCount(usage.cachedTokens, 'cachedTokens');
  assertTokenCount(usage.cacheWriteTokens, 'cacheWriteTokens');
  // Compared by subtraction: the sum of two safe integers may not be one.
  if (usage.cachedTokens > usage.promptTokens || usage.cacheWriteTokens > usage.promptTokens - usage.cachedTokens) {
    throw new RangeError('cachedTokens plus cacheWriteTokens cannot exceed promptTokens');
  }
  const cachedPrice = prices.cachedInputMicrosPerMTok ?? prices.inputMicrosPerMTok;
  const cacheWritePrice = prices.cacheWriteMicrosPerMTok ?? prices.inputMicrosPerMTok;
  const plainPrompt = usage.promptTokens - usage.cachedTokens - usage.cacheWriteTokens;
  const fast = exactNumberPrice(plainPrompt, prices.inputMicrosPerMTok, usage.cachedTokens, cachedPrice, usage.cacheWriteTokens, cacheWritePrice, usage.completionTokens, prices.outputMicrosPerMTok);
  if (fast !== null) return fast;
  const numerator =
    BigInt(plainPrompt) * BigInt(prices.inputMicrosPerMTok) +
    BigInt(usage.cachedTokens) * BigInt(cachedPrice) +
    BigInt(usage.cacheWriteTokens) * BigInt(cacheWritePrice) +
    BigInt(usage.completionTokens) * BigInt(prices.outputMicrosPerMTok);
  return microsFromBigInt(divRoundHalfUp(numerator, TOKENS_PER_MTOK));
}

const TOKENS_PER_MTOK_NUMBER = Number(TOKENS_PER_MTOK);

/**
 * The same price computed on numbers, when that is exact: every price a non-negative safe integer
 * and every product and partial sum at most 2^53 − 1, so no step rounds (a product past it is
 * still seen as past it: rounding never brings a larger value down below 2^53). Null otherwise,
 * and the bigint path decides. Every request is priced on the data plane's hot path, where the
 * bigint path cost eight bigint allocations and their arithmetic (~0.6 KB per request); real
 * prices and token counts stay far below the limit (10^8 tokens at 10^8 micros per million).
 * Rounding: half up, as divRoundHalfUp does for a non-negative numerator.
 */
function exactNumberPrice(
  plainTokens: number,
  inputPrice: number,
  cachedTokens: number,
  cachedPrice: number,
  writeTokens: number,
  writePrice: number,
  completionTokens: number,
  outputPrice: number,
): Micros | null {
  if (!isSafePrice(inputPrice) || !isSafePrice(cachedPrice) || !isSafePrice(writePrice) || !isSafePrice(outputPrice)) return null;
  const plain = plainTokens * inputPrice;
  const cached = cachedTokens * cachedPrice;
  const written = writeTokens * writePrice;
  const completion = completionTokens * outputPrice;
  // One check covers every product and partial sum: the terms are non-negative and rounding is
  // monotonic, so a step past 2^53 − 1 leaves the total past it too, and a total within it was
  // computed exactly.
  const numerator = plain + cached + written + completion;
  return numerator > Number.MAX_SAFE_INTEGER ? null : roundedMillionths(numerator);
}

/** `numerator` ÷ 10^6 rounded half up, exactly, for a non-negative safe integer. */
function roundedMillionths(numerator: number): Micros {
  const quotient = floorMillionths(numerator);
  const remainder = numerator - quotient * TOKENS_PER_MTOK_NUMBER;
  return (remainder * 2 >= TOKENS_PER_MTOK_NUMBER ? quotient + 1 : quotient) as Micros;
}

function isSafePrice(price: number): boolean {
  return Number.isSafeInteger(price) && price >= 0;
}

function assertTokenCount(value: number, name: string): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(`${name} must be a non-negative integer, got ${value}`);
  }
}
