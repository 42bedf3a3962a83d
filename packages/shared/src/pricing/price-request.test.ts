import { describe, expect, it } from 'vitest';
import { priceRequest, type TokenPrices } from './price-request.ts';

const mini: TokenPrices = { inputMicrosPerMTok: 150_000, outputMicrosPerMTok: 600_000, cachedInputMicrosPerMTok: 75_000 };

describe('priceRequest', () => {
  it('prices input and output per million tokens', () => {
    // 1000 × 0.15 + 500 × 0.60 micros = 150 + 300
    expect(priceRequest({ promptTokens: 1000, completionTokens: 500, cachedTokens: 0 }, mini)).toBe(450);
  });

  it('bills cached prompt tokens at the cached price, or at the input price when none is set', () => {
    expect(priceRequest({ promptTokens: 1000, completionTokens: 0, cachedTokens: 1000 }, mini)).toBe(75);
    expect(priceRequest({ promptTokens: 1000, completionTokens: 0, cachedTokens: 400 }, mini)).toBe(90 + 30);
    expect(
      priceRequest({ promptTokens: 1000, completionTokens: 0, cachedTokens: 1000 }, { ...mini, cachedInputMicrosPerMTok: null }),
    ).toBe(150);
  });

  it('rounds once over the whole request, half up', () => {
    // 3 × 0.15 + 1 × 0.6 = 1.05 micros → 1 (rounding each part first would give 0 + 1)
    expect(priceRequest({ promptTokens: 3, completionTokens: 1, cachedTokens: 0 }, mini)).toBe(1);
    // 10 × 0.15 = 1.5 → 2
    expect(priceRequest({ promptTokens: 10, completionTokens: 0, cachedTokens: 0 }, mini)).toBe(2);
    expect(priceRequest({ promptTokens: 0, completionTokens: 0, cachedTokens: 0 }, mini)).toBe(0);
  });

  it('stays exact where floats would not', () => {
    // 2^53 / 1e6 tokens at an expensive price would overflow doubles in the product.
    const prices = { inputMicrosPerMTok: 75_000_000, outputMicrosPerMTok: 150_000_000, cachedInputMicrosPerMTok: null };
    expect(priceRequest({ promptTokens: 123_456_789, completionTokens: 98_765_432, cachedTokens: 0 }, prices)).toBe(
      Number((123_456_789n * 75_000_000n + 98_765_432n * 150_000_000n + 500_000n) / 1_000_000n),
    );
  });

  it('rejects impossible usage', () => {
    expect(() => priceRequest({ promptTokens: -1, completionTokens: 0, cachedTokens: 0 }, mini)).toThrow(RangeError);
    expect(() => priceRequest({ promptTokens: 1.5, completionTokens: 0, cachedTokens: 0 }, mini)).toThrow(RangeError);
    expect(() => priceRequest({ promptTokens: 1, completionTokens: 0, cachedTokens: 2 }, mini)).toThrow(RangeError);
  });
});
