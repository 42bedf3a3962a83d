import { divRoundHalfUp, microsFromBigInt, type Micros } from '../money/micros.ts';

/** Token counts for one request, as reported by the provider or estimated. */
export interface TokenUsage {
  readonly promptTokens: number;
  readonly completionTokens: number;
  /** Prompt tokens served from the provider's prompt cache; a subset of promptTokens. */
  readonly cachedTokens: number;
}

/**
 * Prices per million tokens, in micros. `cachedInputMicrosPerMTok` null means cached prompt
 * tokens are billed at the normal input price.
 */
export interface TokenPrices {
  readonly inputMicrosPerMTok: number;
  readonly outputMicrosPerMTok: number;
  readonly cachedInputMicrosPerMTok: number | null;
}

const TOKENS_PER_MTOK = 1_000_000n;

/**
 * Cost of one request in micros. The exact numerator (tokens × price per million) is summed over
 * all token classes first and rounded once, so a request is never charged more than half a
 * micro away from its exact price, and the sum never depends on the order of terms.
 *
 * @example priceRequest({ promptTokens: 1000, completionTokens: 500, cachedTokens: 0 },
 *   { inputMicrosPerMTok: 150_000, outputMicrosPerMTok: 600_000, cachedInputMicrosPerMTok: null }) === 450
 */
export function priceRequest(usage: TokenUsage, prices: TokenPrices): Micros {
  assertTokenCount(usage.promptTokens, 'promptTokens');
  assertTokenCount(usage.completionTokens, 'completionTokens');
  assertTokenCount(usage.cachedTokens, 'cachedTokens');
  if (usage.cachedTokens > usage.promptTokens) {
    throw new RangeError('cachedTokens cannot exceed promptTokens');
  }
  const cachedPrice = prices.cachedInputMicrosPerMTok ?? prices.inputMicrosPerMTok;
  const uncachedPrompt = usage.promptTokens - usage.cachedTokens;
  const numerator =
    BigInt(uncachedPrompt) * BigInt(prices.inputMicrosPerMTok) +
    BigInt(usage.cachedTokens) * BigInt(cachedPrice) +
    BigInt(usage.completionTokens) * BigInt(prices.outputMicrosPerMTok);
  return microsFromBigInt(divRoundHalfUp(numerator, TOKENS_PER_MTOK));
}

function assertTokenCount(value: number, name: string): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(`${name} must be a non-negative integer, got ${value}`);
  }
}
