import { describe, expect, it } from 'vitest';
import type { SnapshotPricingRule } from '@proxystacks/shared/snapshot/config-snapshot';
import type { CompiledDeployment } from '../snapshot/compiled-snapshot.ts';
import { planDeployments, type PlanInputs } from './plan-deployments.ts';

const provider = { id: 'p', name: 'p', type: 'mock' as const, baseUrl: null, credential: null, environments: [], apiVersion: null, extraHeaders: null, http2: 'auto' as const };
const price = (input: number, output: number): SnapshotPricingRule => ({ id: `r-${input}-${output}`, version: 1, inputMicrosPerMTok: input, outputMicrosPerMTok: output, cachedInputMicrosPerMTok: null, cacheWriteMicrosPerMTok: null }) as SnapshotPricingRule;
const dep = (id: string, priority: number, weight = 1, pricing: SnapshotPricingRule | null = null): CompiledDeployment => ({ id, provider, upstreamModel: 'm', priority, weight, pricing, environment: '' });

/** A seeded generator (Park–Miller), so weighted orders are the same on every run. */
function seeded(seed: number): () => number {
  return () => ((seed = (seed * 16807) % 2147483647) - 1) / 2147483646;
}

const inputs = (fields: Partial<PlanInputs> = {}): PlanInputs => ({
  random: seeded(1),
  health: { speedOf: () => null },
  streamed: false,
  tokens: { promptTokens: 0, outputTokens: 0 },
  ...fields,
});
const ids = (ds: readonly CompiledDeployment[]) => ds.map((d) => d.id);

describe('routing strategies', () => {
  const deployments = [dep('primary', 0), dep('secondary', 1, 3), dep('tertiary', 2, 1)];

  it('fallback: priority first, whatever the weights', () => {
    for (let i = 0; i < 20; i++) expect(ids(planDeployments('fallback', deployments, inputs({ random: seeded(i + 1) })))).toEqual(['primary', 'secondary', 'tertiary']);
  });

  it('weighted: one weighted draw over every deployment, priorities ignored', () => {
    const first: Record<string, number> = {};
    const random = seeded(7);
    for (let i = 0; i < 5_000; i++) {
      const id = planDeployments('weighted', deployments, inputs({ random }))[0]!.id;
      first[id] = (first[id] ?? 0) + 1;
    }
    // Weights 1 : 3 : 1 → 20 % / 60 % / 20 %.
    expect(first.secondary! / 5_000).toBeGreaterThan(0.55);
    expect(first.secondary! / 5_000).toBeLessThan(0.65);
    expect(first.primary! / 5_000).toBeGreaterThan(0.15);
    expect(first.tertiary! / 5_000).toBeGreaterThan(0.15);
    expect(ids(planDeployments('weighted', deployments, inputs({ random: () => 0 })))).toEqual(['primary', 'secondary', 'tertiary']);
  });

  it('least_latency: fastest measured first (TTFT for streams, latency for JSON), unmeasured ones first to be measured, ties by priority', () => {
    const speeds: Record<string, { ttft: number; latency: number } | null> = { primary: { ttft: 300, latency: 900 }, secondary: { ttft: 100, latency: 2_000 }, tertiary: null };
    const health = { speedOf: (id: string, streamed: boolean) => (speeds[id] === null ? null : streamed ? speeds[id]!.ttft : speeds[id]!.latency) };
    expect(ids(planDeployments('least_latency', deployments, inputs({ health, streamed: true })))).toEqual(['tertiary', 'secondary', 'primary']);
    expect(ids(planDeployments('least_latency', deployments, inputs({ health, streamed: false })))).toEqual(['tertiary', 'primary', 'secondary']);
    speeds.tertiary = { ttft: 100, latency: 100 };
    expect(ids(planDeployments('least_latency', deployments, inputs({ health, streamed: true })))).toEqual(['secondary', 'tertiary', 'primary']);
  });

  it('lowest_cost: cheapest for the estimated tokens first, unpriced last', () => {
    const cheapInput = dep('cheap-input', 0, 1, price(100_000, 10_000_000));
    const cheapOutput = dep('cheap-output', 1, 1, price(1_000_000, 1_000_000));
    const unpriced = dep('unpriced', 0);
    const all = [unpriced, cheapInput, cheapOutput];
    // A long prompt and a short answer: input price decides.
    expect(ids(planDeployments('lowest_cost', all, inputs({ tokens: { promptTokens: 100_000, outputTokens: 10 } })))).toEqual(['cheap-input', 'cheap-output', 'unpriced']);
    // A short prompt and a long answer: output price decides.
    expect(ids(planDeployments('lowest_cost', all, inputs({ tokens: { promptTokens: 10, outputTokens: 100_000 } })))).toEqual(['cheap-output', 'cheap-input', 'unpriced']);
  });
});
