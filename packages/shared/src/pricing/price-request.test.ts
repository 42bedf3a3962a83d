import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { divRoundHalfUp } from '../money/micros.ts';
import { priceRequest, type TokenPrices, type TokenUsage } from './price-request.ts';

const mini: TokenPrices = { inputMicrosPerMTok: 150_000, outputMicrosPerMTok: 600_000, cachedInputMicrosPerMTok: 75_000, cacheWriteMicrosPerMTok: null };

describe('priceRequest', () => {
  it('prices input and output per million tokens', () => {
    // 1000 × 0.15 + 500 × 0.60 micros = 150 + 300
    expect(priceRequest({ promptTokens: 1000, completionTokens: 500, cachedTokens: 0, cacheWriteTokens: 0 }, mini)).toBe(450);
  });

  it('bills cached prompt tokens at the cached price, or at the input price when none is set', () => {
    expect(priceRequest({ promptTokens: 1000, completionTokens: 0, cachedTokens: 1000, cacheWriteTokens: 0 }, mini)).toBe(75);
    expect(priceRequest({ promptTokens: 1000, completionTokens: 0, cachedTokens: 400, cacheWriteTokens: 0 }, mini)).toBe(90 + 30);
    expect(
      priceRequest({ promptTokens: 1000, completionTokens: 0, cachedTokens: 1000, cacheWriteTokens: 0 }, { ...mini, cachedInputMicrosPerMTok: null }),
    ).toBe(150);
  });

  it('rounds once over the whole request, half up', () => {
    // 3 × 0.15 + 1 × 0.6 = 1.05 micros → 1 (rounding each part first would give 0 + 1)
    expect(priceRequest({ promptTokens: 3, completionTokens: 1, cachedTokens: 0, cacheWriteTokens: 0 }, mini)).toBe(1);
    // 10 × 0.15 = 1.5 → 2
    expect(priceRequest({ promptTokens: 10, completionTokens: 0, cachedTokens: 0, cacheWriteTokens: 0 }, mini)).toBe(2);
    expect(priceRequest({ promptTokens: 0, completionTokens: 0, cachedTokens: 0, cacheWriteTokens: 0 }, mini)).toBe(0);
  });

  it('stays exact where floats would not', () => {
    // 2^53 / 1e6 tokens at an expensive price would overflow doubles in the product.
    const prices = { inputMicrosPerMTok: 75_000_000, outputMicrosPerMTok: 150_000_000, cachedInputMicrosPerMTok: null, cacheWriteMicrosPerMTok: null };
    expect(priceRequest({ promptTokens: 123_456_789, completionTokens: 98_765_432, cachedTokens: 0, cacheWriteTokens: 0 }, prices)).toBe(
      Number((123_456_789n * 75_000_000n + 98_765_432n * 150_000_000n + 500_000n) / 1_000_000n),
    );
  });

  it('rejects impossible usage', () => {
    expect(() => priceRequest({ promptTokens: -1, completionTokens: 0, cachedTokens: 0, cacheWriteTokens: 0 }, mini)).toThrow(RangeError);
    expect(() => priceRequest({ promptTokens: 1.5, completionTokens: 0, cachedTokens: 0, cacheWriteTokens: 0 }, mini)).toThrow(RangeError);
    expect(() => priceRequest({ promptTokens: 1, completionTokens: 0, cachedTokens: 2, cacheWriteTokens: 0 }, mini)).toThrow(RangeError);
  });

  it('rejects cache reads and writes that together exceed the prompt', () => {
    expect(() => priceRequest({ promptTokens: 10, completionTokens: 0, cachedTokens: 0, cacheWriteTokens: 11 }, mini)).toThrow(RangeError);
    expect(() => priceRequest({ promptTokens: 10, completionTokens: 0, cachedTokens: 6, cacheWriteTokens: 5 }, mini)).toThrow(RangeError);
    expect(() => priceRequest({ promptTokens: 10, completionTokens: 0, cachedTokens: 0, cacheWriteTokens: -1 }, mini)).toThrow(RangeError);
    expect(() => priceRequest({ promptTokens: 10, completionTokens: 0, cachedTokens: 0, cacheWriteTokens: 0.5 }, mini)).toThrow(RangeError);
    expect(priceRequest({ promptTokens: 10, completionTokens: 0, cachedTokens: 6, cacheWriteTokens: 4 }, mini)).toBe(1); // 0.45 + 0.6 = 1.05
  });
});

describe('priceRequest: prompt-cache writes', () => {
  // Anthropic's 5-minute cache writes: 1.25 × input.
  const sonnet: TokenPrices = { inputMicrosPerMTok: 3_000_000, outputMicrosPerMTok: 15_000_000, cachedInputMicrosPerMTok: 300_000, cacheWriteMicrosPerMTok: 3_750_000 };

  it('bills cache writes at the cache-write price, or at the input price when none is set', () => {
    // 1000 plain × 3 + 2000 read × 0.3 + 4000 written × 3.75 + 100 out × 15 = 3000 + 600 + 15000 + 1500
    const usage = { promptTokens: 7000, completionTokens: 100, cachedTokens: 2000, cacheWriteTokens: 4000 };
    expect(priceRequest(usage, sonnet)).toBe(20_100);
    expect(priceRequest(usage, { ...sonnet, cacheWriteMicrosPerMTok: null })).toBe(20_100 - 4000 * 0.75);
  });

  it('rounds once over the whole request, cache writes included', () => {
    // 1 plain × 0.4 + 1 written × 0.45 = 0.85 micros → 1 (rounding each part first would give 0 + 0)
    const tiny: TokenPrices = { inputMicrosPerMTok: 400_000, outputMicrosPerMTok: 0, cachedInputMicrosPerMTok: null, cacheWriteMicrosPerMTok: 450_000 };
    expect(priceRequest({ promptTokens: 2, completionTokens: 0, cachedTokens: 0, cacheWriteTokens: 1 }, tiny)).toBe(1);
    // 10 written × 0.45 = 4.5 → 5
    expect(priceRequest({ promptTokens: 10, completionTokens: 0, cachedTokens: 0, cacheWriteTokens: 10 }, tiny)).toBe(5);
  });

  it('stays exact at the top of the range', () => {
    const prices = { ...sonnet, cacheWriteMicrosPerMTok: 150_000_000 };
    expect(priceRequest({ promptTokens: 4_294_967_295, completionTokens: 4_294_967_295, cachedTokens: 1, cacheWriteTokens: 4_294_967_294 }, prices)).toBe(
      Number((300_000n + 4_294_967_294n * 150_000_000n + 4_294_967_295n * 15_000_000n + 500_000n) / 1_000_000n),
    );
  });

  const price = fc.integer({ min: 0, max: 200_000_000 });
  const prices = fc.record({ inputMicrosPerMTok: price, outputMicrosPerMTok: price, cachedInputMicrosPerMTok: fc.option(price), cacheWriteMicrosPerMTok: fc.option(price) });
  const usage = fc
    .tuple(fc.integer({ min: 0, max: 50_000_000 }), fc.integer({ min: 0, max: 50_000_000 }), fc.nat(), fc.nat())
    .map(([promptTokens, completionTokens, a, b]): TokenUsage => {
      const cachedTokens = promptTokens === 0 ? 0 : a % (promptTokens + 1);
      return { promptTokens, completionTokens, cachedTokens, cacheWriteTokens: b % (promptTokens - cachedTokens + 1) };
    });
  /** The price before cache writes had their own: every prompt token not read from the cache at the input price. */
  const withoutCacheWrites = (u: TokenUsage, p: TokenPrices): number =>
    Number(
      (BigInt(u.promptTokens - u.cachedTokens) * BigInt(p.inputMicrosPerMTok) +
        BigInt(u.cachedTokens) * BigInt(p.cachedInputMicrosPerMTok ?? p.inputMicrosPerMTok) +
        BigInt(u.completionTokens) * BigInt(p.outputMicrosPerMTok) +
        500_000n) /
        1_000_000n,
    );

  it('equals the old price when cache writes cost what input costs (or have no price)', () => {
    fc.assert(
      fc.property(usage, prices, (u, p) => {
        expect(priceRequest(u, { ...p, cacheWriteMicrosPerMTok: null })).toBe(withoutCacheWrites(u, p));
        expect(priceRequest(u, { ...p, cacheWriteMicrosPerMTok: p.inputMicrosPerMTok })).toBe(withoutCacheWrites(u, p));
      }),
      { numRuns: 2_000 },
    );
  });

  it('is the exact sum of its parts, rounded once', () => {
    fc.assert(
      fc.property(usage, prices, (u, p) => {
        const plain = u.promptTokens - u.cachedTokens - u.cacheWriteTokens;
        const exact =
          BigInt(plain) * BigInt(p.inputMicrosPerMTok) +
          BigInt(u.cachedTokens) * BigInt(p.cachedInputMicrosPerMTok ?? p.inputMicrosPerMTok) +
          BigInt(u.cacheWriteTokens) * BigInt(p.cacheWriteMicrosPerMTok ?? p.inputMicrosPerMTok) +
          BigInt(u.completionTokens) * BigInt(p.outputMicrosPerMTok);
        const charged = BigInt(priceRequest(u, p));
        // Within half a micro of the exact price: |charged × 1e6 − exact| ≤ 5e5.
        const diff = charged * 1_000_000n - exact;
        expect(diff <= 500_000n && diff > -500_000n).toBe(true);
      }),
      { numRuns: 2_000 },
    );
  });

  it('never falls when more of the prompt is written to the cache at a price above input, or when that price rises', () => {
    fc.assert(
      fc.property(usage, prices, fc.nat({ max: 200_000_000 }), (u, p, raise) => {
        // Writes the dearest prompt tokens (above input, and above reads however those are priced).
        const dearWrites = { ...p, cacheWriteMicrosPerMTok: Math.max(p.inputMicrosPerMTok, p.cachedInputMicrosPerMTok ?? 0) + raise };
        const plain = u.promptTokens - u.cachedTokens - u.cacheWriteTokens;
        if (plain > 0) {
          expect(priceRequest({ ...u, cacheWriteTokens: u.cacheWriteTokens + 1 }, dearWrites)).toBeGreaterThanOrEqual(priceRequest(u, dearWrites));
        }
        expect(priceRequest(u, { ...dearWrites, cacheWriteMicrosPerMTok: dearWrites.cacheWriteMicrosPerMTok + 1 })).toBeGreaterThanOrEqual(priceRequest(u, dearWrites));
        // And a prompt all written to the cache is the most its prompt can cost when writes are dearest.
        expect(priceRequest({ ...u, cachedTokens: 0, cacheWriteTokens: u.promptTokens }, dearWrites)).toBeGreaterThanOrEqual(priceRequest(u, dearWrites));
      }),
      { numRuns: 2_000 },
    );
  });

  /** The price on bigints all the way, as before the number path (issue 11). */
  const onBigints = (u: TokenUsage, p: TokenPrices): bigint => {
    const plain = BigInt(u.promptTokens - u.cachedTokens - u.cacheWriteTokens);
    const numerator =
      plain * BigInt(p.inputMicrosPerMTok) +
      BigInt(u.cachedTokens) * BigInt(p.cachedInputMicrosPerMTok ?? p.inputMicrosPerMTok) +
      BigInt(u.cacheWriteTokens) * BigInt(p.cacheWriteMicrosPerMTok ?? p.inputMicrosPerMTok) +
      BigInt(u.completionTokens) * BigInt(p.outputMicrosPerMTok);
    return divRoundHalfUp(numerator, 1_000_000n);
  };
  /** What priceRequest must do with it: the price when it is safe, a RangeError when it is not. */
  const expectSameAsBigints = (u: TokenUsage, p: TokenPrices) => {
    const expected = onBigints(u, p);
    if (expected > BigInt(Number.MAX_SAFE_INTEGER)) expect(() => priceRequest(u, p)).toThrow(RangeError);
    else expect(priceRequest(u, p)).toBe(Number(expected));
  };

  it('prices on numbers exactly as on bigints, across the whole range (issue 11: the hot path skips bigints when it can)', () => {
    // Prices and token counts from tiny to past what numbers hold exactly, so both paths run.
    const wide = fc.oneof(fc.integer({ min: 0, max: 1_000 }), fc.integer({ min: 0, max: 200_000_000 }), fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }));
    const widePrices = fc.record({ inputMicrosPerMTok: wide, outputMicrosPerMTok: wide, cachedInputMicrosPerMTok: fc.option(wide), cacheWriteMicrosPerMTok: fc.option(wide) });
    const wideUsage = fc.tuple(wide, wide, fc.nat(), fc.nat()).map(([promptTokens, completionTokens, a, b]): TokenUsage => {
      const cachedTokens = promptTokens === 0 ? 0 : a % (promptTokens + 1);
      return { promptTokens, completionTokens, cachedTokens, cacheWriteTokens: b % (promptTokens - cachedTokens + 1) };
    });
    fc.assert(fc.property(wideUsage, widePrices, expectSameAsBigints), { numRuns: 5_000 });
  });

  it('rounds half up exactly at every boundary the number path divides across', () => {
    const none = { cachedInputMicrosPerMTok: null, cacheWriteMicrosPerMTok: null };
    // numerator = tokens × 1 micro per million: k × 10^6 + r for r around 0 and the half.
    for (const k of [0, 1, 999_999, 9_007_199_253, 9_007_199_254]) {
      for (const r of [0, 1, 499_999, 500_000, 500_001, 999_999]) {
        const tokens = k * 1_000_000 + r;
        if (!Number.isSafeInteger(tokens)) continue;
        expectSameAsBigints({ promptTokens: tokens, completionTokens: 0, cachedTokens: 0, cacheWriteTokens: 0 }, { inputMicrosPerMTok: 1, outputMicrosPerMTok: 0, ...none });
      }
    }
    // Products and sums just below, at and just past 2^53: the number path hands over to bigints.
    const limit = Number.MAX_SAFE_INTEGER;
    for (const [promptTokens, completionTokens, price] of [
      [limit, 0, 1],
      [limit, 1, 1],
      [(limit - 1) / 2, (limit - 1) / 2, 1],
      [(limit - 1) / 2, (limit + 1) / 2, 1],
      [4_503_599_627_370_496, 0, 2],
      [94_906_265, 94_906_265, 94_906_266],
    ] as const) {
      expectSameAsBigints({ promptTokens, completionTokens, cachedTokens: 0, cacheWriteTokens: 0 }, { inputMicrosPerMTok: price, outputMicrosPerMTok: price, ...none });
    }
  });
});
