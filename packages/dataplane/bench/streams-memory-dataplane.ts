import { readFileSync } from 'node:fs';
import { getHeapStatistics } from 'node:v8';
import { pino } from 'pino';
import { displayPrefix, generateKey, hashKey } from '@proxystacks/shared/keys/key-format';
import { createSnapshot, type ProviderHttp2Mode } from '@proxystacks/shared/snapshot/config-snapshot';
import { snapshotCredentialKey } from '@proxystacks/shared/snapshot/snapshot-credentials';
// Package specifiers, not ../src paths: under `--conditions=relay-dist` (the parent's default)
// they load the compiled build production runs (see compiled-script.ts).
import { createDataplane } from '@proxystacks/dataplane/app';
import { loadDataplaneConfig } from '@proxystacks/dataplane/config';
import { createEventQueue } from '@proxystacks/dataplane/events/event-queue';
import { createSnapshotStore } from '@proxystacks/dataplane/snapshot/snapshot-store';

/**
 * Bench child of streams-memory.ts: a real data plane (run with --expose-gc) whose one route,
 * `bench`, goes to BENCH_UPSTREAM_URL with `http2` BENCH_PROVIDER_HTTP2, trusting the bench's
 * certificate (BENCH_TLS_CERT). Events go to a queue whose sink discards them. On `measure` it
 * collects garbage and answers with its memory: RSS, V8 heap, and off-heap (external, buffers).
 */
const KEY_SECRET = 'bench-key-secret-0123456789abcdefghijklmn';
const INTERNAL_TOKEN = 'bench-internal-token-0123456789abcdefghij';
const key = generateKey();
const logger = pino({ level: 'silent' });
const config = loadDataplaneConfig({ RELAY_KEY_SECRET: KEY_SECRET, RELAY_INTERNAL_TOKEN: INTERNAL_TOKEN, DATAPLANE_PORT: '0', LOG_LEVEL: 'silent', UPSTREAM_ALLOW_LOOPBACK: 'true' });
const snapshots = createSnapshotStore({ credentialKey: snapshotCredentialKey(INTERNAL_TOKEN), persistPath: null, logger });
snapshots.apply(
  createSnapshot({
    version: 1,
    createdAt: new Date().toISOString(),
    keys: [{ id: 'key-bench', hash: hashKey(key, KEY_SECRET), prefix: displayPrefix(key), name: 'bench', orgId: 'org-bench', teamId: 'team-bench', projectId: 'proj-1', environmentId: 'env-1', environment: 'production', status: 'active', expiresAt: null, allowedAliases: [], previousHash: null, previousHashExpiresAt: null }],
    providers: [{ id: 'prov-bench', orgId: 'org-bench', name: 'Slow upstream', type: 'openai_compatible', baseUrl: process.env.BENCH_UPSTREAM_URL!, credential: null, environments: [], http2: process.env.BENCH_PROVIDER_HTTP2 as ProviderHttp2Mode }],
    routes: [{ orgId: 'org-bench', alias: 'bench', deployments: [{ id: 'dep-bench', providerId: 'prov-bench', upstreamModel: 'm', priority: 0, weight: 1, pricingRuleId: 'rule-1', environment: '' }] }],
    pricingRules: [{ id: 'rule-1', version: 1, inputMicrosPerMTok: 150_000, outputMicrosPerMTok: 600_000, cachedInputMicrosPerMTok: null, cacheWriteMicrosPerMTok: null }],
  }),
);
const events = createEventQueue({ sink: { write: async () => undefined }, batchSize: 500, flushIntervalMs: 1_000, maxQueued: 100_000, logger });
const dataplane = createDataplane({ config, snapshots, events, logger, upstreamCa: [readFileSync(process.env.BENCH_TLS_CERT!, 'utf8')] });
const port = await dataplane.listen(0, '127.0.0.1');

/** Memory after a full collection, in bytes. */
function measure() {
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  gc?.();
  const usage = process.memoryUsage();
  const heap = getHeapStatistics();
  return { rss: usage.rss, heapUsed: usage.heapUsed, heapTotal: usage.heapTotal, external: usage.external, arrayBuffers: usage.arrayBuffers, mallocedMemory: heap.malloced_memory };
}

process.on('message', (message) => {
  if (message === 'measure') process.send!({ memory: measure(), inFlight: dataplane.inFlight() });
  if (message === 'stop') void dataplane.close().then(() => events.close()).then(() => process.exit(0));
});
process.send!({ url: `http://127.0.0.1:${port}`, key });
