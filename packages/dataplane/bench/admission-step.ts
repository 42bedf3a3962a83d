/**
 * Micro-benchmark of the admission step alone (no HTTP): plan lookup, headers, reserve on the
 * local grant and settle, for a key without limits and for a key with rpm + tpm + conc on the
 * key and a daily budget. Run: `node --import tsx packages/dataplane/bench/admission-step.ts`.
 */
import { createSnapshot } from '@proxystacks/shared/snapshot/config-snapshot';
import { hashKey } from '@proxystacks/shared/keys/key-format';
import { compileSnapshot } from '../src/snapshot/compiled-snapshot.ts';
import { createLeaseClient } from '../src/quota/lease-client.ts';
import { createAdmission } from '../src/quota/admission.ts';
import { admissionPlan } from '../src/quota/admission-plan.ts';
import { applyGrant } from '../src/quota/local-counter.ts';

const key = (id: string) => ({ id, hash: hashKey(`sk-relay-${id.padEnd(32, 'x')}`, 's'.repeat(32)), prefix: 'sk-relay-x', name: id, orgId: 'org', teamId: 'team', projectId: 'proj', environmentId: 'env', environment: 'production', status: 'active' as const, expiresAt: null, allowedAliases: [], previousHash: null, previousHashExpiresAt: null });
const snapshot = compileSnapshot(
  createSnapshot({
    version: 1,
    createdAt: new Date().toISOString(),
    keys: [key('free'), key('limited')],
    providers: [{ id: 'p', orgId: 'org', name: 'p', type: 'mock', baseUrl: null, credential: null, environments: [] }],
    routes: [{ orgId: 'org', alias: 'a', deployments: [{ id: 'd', providerId: 'p', upstreamModel: 'm', priority: 0, weight: 1, pricingRuleId: 'r', environment: '' }] }],
    pricingRules: [{ id: 'r', version: 1, inputMicrosPerMTok: 150_000, outputMicrosPerMTok: 600_000, cachedInputMicrosPerMTok: null, cacheWriteMicrosPerMTok: null }],
    organizations: [{ id: 'org', timeZone: 'UTC', billingMode: 'postpaid' }],
    rateLimits: [{ id: 'rl', orgId: 'org', scope: 'key', scopeId: 'limited', requestsPerMinute: 1e9, tokensPerMinute: 1e12, concurrentRequests: 1e6 }],
    budgets: [{ id: 'b', orgId: 'org', scope: 'key', scopeId: 'limited', name: 'b', period: 'day', amountMicros: 1e15, mode: 'hard', alertThresholdsPercent: [] }],
  }),
  Buffer.alloc(32) as never,
);
const leases = createLeaseClient({ controlplaneUrl: null, internalToken: 'x', dataplaneId: 'bench', leaseFraction: 0.02, observer: { renewed() {}, renewFailed() {} }, logger: { warn() {}, info() {} } });
const admission = createAdmission({ leases, waitMs: 0, defaultReserveOutputTokens: 4096, streamStepTokens: 256, observer: { degraded() {}, waited() {} } });
const request = { model: 'a', messages: [{ role: 'user' as const, content: 'Hello there, how are you today? Tell me something nice.' }], max_tokens: 64 };
const route = snapshot.routes.values().next().value!;
const limitedKey = [...snapshot.keysByHash.values()].find((e) => e.key.id === 'limited')!.key;
const freeKey = [...snapshot.keysByHash.values()].find((e) => e.key.id === 'free')!.key;
const far = Date.now() + 3_600_000;
for (const planned of admissionPlan(snapshot, limitedKey).counters) {
  const counter = leases.counter(planned.key, planned.kind, planned.limit);
  applyGrant(counter, { key: planned.key, windowStart: 0, windowEnd: far, limit: planned.limit, granted: Number.MAX_SAFE_INTEGER / 4, remaining: 0, expiresAt: far, active: true });
}

async function measure(label: string, keyOf: typeof limitedKey, n: number): Promise<void> {
  const samples: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = process.hrtime.bigint();
    // The data plane's path: plan, reserve, the rate-limit headers once (after the reservation), settle.
    const plan = admissionPlan(snapshot, keyOf);
    if (plan.counters.length > 0) {
      const ticket = await admission.admit(plan, request, route.deployments, null);
      admission.headers(plan);
      ticket!.settle(80, 50);
    }
    samples.push(Number(process.hrtime.bigint() - t0) / 1000);
  }
  samples.sort((a, b) => a - b);
  const q = (p: number) => samples[Math.floor(p * (samples.length - 1))]!.toFixed(2);
  console.log(`${label}: p50 ${q(0.5)} µs, p90 ${q(0.9)} µs, p99 ${q(0.99)} µs (n=${n})`);
}

await measure('warm-up', limitedKey, 20_000);
await measure('key without limits', freeKey, 50_000);
await measure('key with rpm+tpm+conc and a daily budget', limitedKey, 50_000);
await leases.stop();
