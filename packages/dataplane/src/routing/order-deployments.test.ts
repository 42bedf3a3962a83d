import { describe, expect, it } from 'vitest';
import type { CompiledDeployment, CompiledRoute } from '../snapshot/compiled-snapshot.ts';
import { orderDeployments } from './order-deployments.ts';

const provider = { id: 'p', name: 'p', type: 'mock' as const, baseUrl: null, credential: null, environments: [], apiVersion: null, extraHeaders: null, http2: 'auto' as const };
const dep = (id: string, priority: number, weight: number): CompiledDeployment => ({ id, provider, upstreamModel: 'm', priority, weight, pricing: null, environment: '' });

describe('orderDeployments', () => {
  it('tries lower priorities first, whatever the weights', () => {
    const route: CompiledRoute = { orgId: 'o', alias: 'a', deployments: [dep('p0', 0, 1), dep('p1', 1, 100)], byEnvironment: new Map() };
    for (let i = 0; i < 20; i++) expect(orderDeployments(route).map((d) => d.id)).toEqual(['p0', 'p1']);
  });

  it('splits traffic by weight within a priority', () => {
    const route: CompiledRoute = { orgId: 'o', alias: 'a', deployments: [dep('heavy', 0, 3), dep('light', 0, 1)], byEnvironment: new Map() };
    let heavyFirst = 0;
    let seed = 1;
    const random = () => ((seed = (seed * 16807) % 2147483647) - 1) / 2147483646;
    for (let i = 0; i < 4000; i++) if (orderDeployments(route, random)[0]!.id === 'heavy') heavyFirst++;
    expect(heavyFirst / 4000).toBeGreaterThan(0.7);
    expect(heavyFirst / 4000).toBeLessThan(0.8);
  });

  it('puts weight-0 deployments last in their group and keeps every deployment once', () => {
    const route: CompiledRoute = { orgId: 'o', alias: 'a', deployments: [dep('off', 0, 0), dep('on', 0, 1), dep('next', 1, 1)], byEnvironment: new Map() };
    expect(orderDeployments(route, () => 0.99).map((d) => d.id)).toEqual(['on', 'off', 'next']);
  });
});
