import { pino } from 'pino';
import { generateKey, hashKey, displayPrefix } from '@proxystacks/shared/keys/key-format';
import { createSnapshot } from '@proxystacks/shared/snapshot/config-snapshot';
import { snapshotCredentialKey } from '@proxystacks/shared/snapshot/snapshot-credentials';
import { createDataplane } from '@proxystacks/dataplane/app';
import { loadDataplaneConfig } from '@proxystacks/dataplane/config';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EventSink } from '@proxystacks/dataplane/events/event-sink';
import { openEventPipeline } from '@proxystacks/dataplane/events/open-event-pipeline';
import { createSnapshotStore } from '@proxystacks/dataplane/snapshot/snapshot-store';

/**
 * Bench child: a real data plane (uWS, auth, routing, the undici keep-alive pool, the SSE
 * relay, metering, the event queue) on a loopback port, in its own process.
 *
 * - The one route, `bench`, points at the standalone mock upstream given in
 *   BENCH_MOCK_BASE_URL (a separate process), not at the data plane's built-in mock, so the
 *   upstream's CPU is not charged to the data plane's event loop.
 * - Events go through the production pipeline (the event log on disk, written before each
 *   answer's final bytes, fsync every EVENT_LOG_FSYNC_MS; the bounded queue and batching), into
 *   a sink that discards each batch. Like the control plane sink (`relay start`, and any data
 *   plane without CLICKHOUSE_URL), it takes batches as JSON lines, so the queue keeps neither
 *   event objects nor JSON strings while a batch fills (BENCH_SINK_OBJECTS=1: a sink that reads objects, as the
 *   ClickHouse sink does). ClickHouse writes are excluded on purpose: they leave the hot path through the
 *   queue in batches (up to 10,000 events or 1 s), so they cost the request nothing directly; measuring
 *   them would benchmark chDB/ClickHouse and its disk, not the gateway.
 *
 * - A second key, `limitedKey`, in an organisation of its own, has rate limits (rpm, tpm, conc)
 *   on its key, team and project and a budget on its organisation, team, project, environment
 *   and key, all far above what a run uses: admission reserves and settles on every one of them
 *   against leases from BENCH_QUOTA_URL (serve-quota-grants.ts). `key` has none: the path as it
 *   was before admission existed.
 *
 * Prints `{"url","key","limitedKey","badKey","pid"}` on one line when listening.
 *
 * The benches run it compiled (compiled-script.ts), as production runs relay: so it imports the
 * packages by name, which resolve to their dist under `--conditions=relay-dist` and to the sources
 * under tsx.
 */
const KEY_SECRET = 'bench-key-secret-0123456789abcdefghijklmn';
const INTERNAL_TOKEN = 'bench-internal-token-0123456789abcdefghij';

const mockBaseUrl = process.env.BENCH_MOCK_BASE_URL ?? null;
const key = generateKey();
const limitedKey = generateKey();
const badKey = generateKey();
const quotaUrl = process.env.BENCH_QUOTA_URL ?? null;
const logger = pino({ level: 'silent' });
const dataDir = mkdtempSync(join(tmpdir(), 'relay-bench-dp-'));
// OTEL_* pass through, so bench/tracing-overhead.ts can run the same data plane with tracing on.
const otelEnv = Object.fromEntries(Object.entries(process.env).filter(([name]) => name.startsWith('OTEL_')));
const config = loadDataplaneConfig({ ...otelEnv, RELAY_KEY_SECRET: KEY_SECRET, RELAY_INTERNAL_TOKEN: INTERNAL_TOKEN, DATAPLANE_PORT: '0', LOG_LEVEL: 'silent', RELAY_DATA_DIR: dataDir, UPSTREAM_ALLOW_LOOPBACK: 'true', ...(quotaUrl === null ? {} : { CONTROLPLANE_URL: quotaUrl }) });
const limited = { orgId: 'org-limited', teamId: 'team-limited', projectId: 'proj-limited', environmentId: 'env-limited' };
const generous = { requestsPerMinute: 1_000_000_000, tokensPerMinute: 1_000_000_000, concurrentRequests: 1_000_000 };
const snapshots = createSnapshotStore({ credentialKey: snapshotCredentialKey(INTERNAL_TOKEN), persistPath: null, logger });
snapshots.apply(
  createSnapshot({
    version: 1,
    createdAt: new Date().toISOString(),
    keys: [
      { id: 'key-bench', hash: hashKey(key, KEY_SECRET), prefix: displayPrefix(key), name: 'bench', orgId: 'org-bench', teamId: 'team-bench', projectId: 'proj-1', environmentId: 'env-1', environment: 'production', status: 'active', expiresAt: null, allowedAliases: [], previousHash: null, previousHashExpiresAt: null },
      { id: 'key-limited', hash: hashKey(limitedKey, KEY_SECRET), prefix: displayPrefix(limitedKey), name: 'limited', ...limited, environment: 'production', status: 'active', expiresAt: null, allowedAliases: [], previousHash: null, previousHashExpiresAt: null },
    ],
    providers: ['org-bench', limited.orgId].map((orgId) => ({ id: `prov-${orgId}`, orgId, name: 'Mock', type: 'mock' as const, baseUrl: mockBaseUrl, credential: null, environments: [] })),
    routes: ['org-bench', limited.orgId].map((orgId) => ({ orgId, alias: 'bench', deployments: [{ id: `dep-${orgId}`, providerId: `prov-${orgId}`, upstreamModel: 'mock-1', priority: 0, weight: 1, pricingRuleId: 'rule-1', environment: '' }] })),
    pricingRules: [{ id: 'rule-1', version: 1, inputMicrosPerMTok: 150_000, outputMicrosPerMTok: 600_000, cachedInputMicrosPerMTok: 75_000, cacheWriteMicrosPerMTok: null }],
    organizations: [{ id: limited.orgId, timeZone: 'Europe/Berlin', billingMode: 'postpaid' }],
    rateLimits: (['key', 'team', 'project'] as const).map((scope) => ({ id: `rl-${scope}`, orgId: limited.orgId, scope, scopeId: scope === 'key' ? 'key-limited' : scope === 'team' ? limited.teamId : limited.projectId, ...generous })),
    budgets: (['organization', 'team', 'project', 'environment', 'key'] as const).map((scope) => ({
      id: `budget-${scope}`,
      orgId: limited.orgId,
      scope,
      scopeId: { organization: limited.orgId, team: limited.teamId, project: limited.projectId, environment: limited.environmentId, key: 'key-limited' }[scope],
      name: scope,
      period: 'day' as const,
      amountMicros: 1_000_000_000_000,
      mode: 'hard' as const,
      alertThresholdsPercent: [],
    })),
  }),
);
let discarded = 0;
const sink: EventSink = {
  async write(_batchId, batch) {
    discarded += batch.length;
  },
  ...(process.env.BENCH_SINK_OBJECTS === '1'
    ? {}
    : {
        async writeJsonLines(_batchId: string, lines: readonly Buffer[]) {
          discarded += lines.length;
        },
      }),
};
const { events, close: closeEvents } = await openEventPipeline({ config, sink, logger });
const dataplane = createDataplane({ config, snapshots, events, logger });
const port = await dataplane.listen(0, '127.0.0.1');
process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${port}`, key, limitedKey, badKey, pid: process.pid })}\n`);

const stop = () => {
  void (async () => {
    await dataplane.close();
    await closeEvents();
    rmSync(dataDir, { recursive: true, force: true });
    const { dropped } = events.stats();
    process.stderr.write(`[bench data plane] events discarded by the sink: ${discarded}, dropped by the queue: ${dropped}\n`);
    process.exit(0);
  })();
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
