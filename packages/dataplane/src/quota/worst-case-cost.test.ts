import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { priceRequest } from '@proxystacks/shared/pricing/price-request';
import type { SnapshotPricingRule } from '@proxystacks/shared/snapshot/config-snapshot';
import type { CompiledDeployment } from '../snapshot/compiled-snapshot.ts';
import { worstCaseCostMicros } from './worst-case-cost.ts';

const provider = { id: 'p', name: 'p', type: 'anthropic' as const, baseUrl: null, credential: null, environments: [], apiVersion: null, extraHeaders: null, http2: 'off' as const };
const dep = (id: string, pricing: Omit<SnapshotPricingRule, 'id' | 'version'> | null): CompiledDeployment => ({
  id,
  provider,
  upstreamModel: 'm',
  priority: 0,
  weight: 1,
  pricing: pricing === null ? null : { id: `r-${id}`, version: 1, ...pricing },
  environment: '',
});
// Anthropic's list prices for a Sonnet model: reads 0.1 ×, 5-minute writes 1.25 × input.
const SONNET = { inputMicrosPerMTok: 3_000_000, outputMicrosPerMTok: 15_000_000, cachedInputMicrosPerMTok: 300_000, cacheWriteMicrosPerMTok: 3_750_000 };

describe('worstCaseCostMicros: what admission reserves before the provider says how the prompt was cached', () => {
  it('prices the whole prompt as cache writes when those cost more than input', () => {
    // 10,000 prompt tokens × 3.75 + 1,000 output × 15 = 37,500 + 15,000
    expect(worstCaseCostMicros([dep('a', SONNET)], 10_000, 1_000)).toBe(52_500);
    // Without a write price (writes billed as input), as before: 30,000 + 15,000.
    expect(worstCaseCostMicros([dep('a', { ...SONNET, cacheWriteMicrosPerMTok: null })], 10_000, 1_000)).toBe(45_000);
    // Writes cheaper than input (an odd rule, but allowed): input is the worst case.
    expect(worstCaseCostMicros([dep('a', { ...SONNET, cacheWriteMicrosPerMTok: 1_000_000 })], 10_000, 1_000)).toBe(45_000);
  });

  it('takes the dearest rule among the deployments that may answer; unpriced ones cost 0', () => {
    const plain = dep('plain', { inputMicrosPerMTok: 3_500_000, outputMicrosPerMTok: 15_000_000, cachedInputMicrosPerMTok: null, cacheWriteMicrosPerMTok: null });
    // plain: 35,000 + 15,000 = 50,000 < Sonnet's 52,500 once its writes count.
    expect(worstCaseCostMicros([plain, dep('sonnet', SONNET), dep('free', null)], 10_000, 1_000)).toBe(52_500);
    expect(worstCaseCostMicros([plain, dep('free', null)], 10_000, 1_000)).toBe(50_000);
    expect(worstCaseCostMicros([dep('free', null)], 10_000, 1_000)).toBe(0);
  });

  it('bounds every price the provider can report for that prompt and output, however it splits the prompt', () => {
    const price = fc.integer({ min: 0, max: 100_000_000 });
    const rule = fc.record({ inputMicrosPerMTok: price, outputMicrosPerMTok: price, cachedInputMicrosPerMTok: fc.option(price), cacheWriteMicrosPerMTok: fc.option(price) });
    fc.assert(
      fc.property(rule, fc.integer({ min: 0, max: 10_000_000 }), fc.integer({ min: 0, max: 1_000_000 }), fc.nat(), fc.nat(), (pricing, prompt, output, a, b) => {
        const cachedTokens = a % (prompt + 1);
        const cacheWriteTokens = b % (prompt - cachedTokens + 1);
        const actual = priceRequest({ promptTokens: prompt, completionTokens: output, cachedTokens, cacheWriteTokens }, pricing);
        expect(worstCaseCostMicros([dep('a', pricing)], prompt, output)).toBeGreaterThanOrEqual(actual);
      }),
      { numRuns: 2_000 },
    );
  });
});
