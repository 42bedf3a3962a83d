import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDataplaneConfig } from '@proxystacks/dataplane/config';
import { createSnapshotPoller } from '@proxystacks/dataplane/snapshot/snapshot-client';
import { createSnapshotStore } from '@proxystacks/dataplane/snapshot/snapshot-store';
import { createSnapshot, type ConfigSnapshot } from '@proxystacks/shared/snapshot/config-snapshot';
import { sealSnapshotCredential, snapshotCredentialKey, snapshotCredentialKeyring } from '@proxystacks/shared/snapshot/snapshot-credentials';
import type { ClickHouse } from '../src/analytics/clickhouse.ts';
import type { SnapshotPublisher } from '../src/domain/snapshot-publisher.ts';
import { createBatchIdMemory } from '../src/internal/batch-id-memory.ts';
import { handleInternal, type InternalApiDeps } from '../src/internal/internal-api.ts';

const OLD_TOKEN = 'issue-7-old-internal-token-0123456789abcdef';
const NEW_TOKEN = 'issue-7-new-internal-token-fedcba9876543210';
const CREDENTIAL = 'sk-upstream-rotation-0123456789';
const logger = pino({ level: 'silent' });

/** The control plane's snapshot: credentials sealed under the current (new) token's key, as the publisher does. */
function publishedSnapshot(): ConfigSnapshot {
  return createSnapshot({
    version: 5,
    createdAt: '2026-01-01T00:00:00.000Z',
    keys: [],
    providers: [{ id: 'p1', orgId: 'o1', name: 'up', type: 'openai', baseUrl: null, credential: sealSnapshotCredential(CREDENTIAL, snapshotCredentialKey(NEW_TOKEN), 'p1'), environments: [] }],
    routes: [{ orgId: 'o1', alias: 'a', deployments: [{ id: 'd1', providerId: 'p1', upstreamModel: 'm', priority: 0, weight: 1, pricingRuleId: null, environment: '' }] }],
    pricingRules: [],
  });
}

/**
 * Issue 7: the plane-to-plane token can be rotated without downtime. The control plane moves
 * first (RELAY_INTERNAL_TOKEN=new, RELAY_INTERNAL_TOKEN_PREVIOUS=old): data planes still on the
 * old token are accepted and get credentials they can open; data planes moved to the new token
 * (with the old one as previous) open both what the control plane sends and their old copy on disk.
 * Real HTTP on loopback: the control plane's internal API and the data plane's poller and store.
 */
describe('issue 7: data planes accept both internal tokens during the switch', () => {
  let dir: string;
  let server: Server;
  let url: string;
  let deps: InternalApiDeps;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'relay-token-rotation-'));
    const snapshot = publishedSnapshot();
    const publisher = { current: () => snapshot, subscribe: () => () => undefined } as unknown as SnapshotPublisher;
    deps = { internalToken: NEW_TOKEN, internalTokenPrevious: OLD_TOKEN, publisher, clickhouse: {} as ClickHouse, batches: createBatchIdMemory(), logger };
    server = createServer((req, res) => {
      handleInternal(req, res, new URL(req.url ?? '/', 'http://x').pathname, deps).catch(() => res.destroy());
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await new Promise((resolve) => server?.close(resolve));
    await rm(dir, { recursive: true, force: true });
  });

  async function syncDataplane(token: string, previous: string | null, persistPath: string | null) {
    const store = createSnapshotStore({ credentialKey: snapshotCredentialKeyring(token, previous), persistPath, logger });
    const poller = createSnapshotPoller({ controlplaneUrl: url, internalToken: token, store, intervalMs: 50, logger });
    await poller.pollOnce(false);
    await poller.stop();
    await store.flush();
    return store;
  }

  it('serves a data plane still on the previous token credentials it can open', async () => {
    const store = await syncDataplane(OLD_TOKEN, null, join(dir, 'old-plane.json'));
    expect([...store.current()!.routes.values()][0]!.deployments[0]!.provider.credential).toBe(CREDENTIAL);
    // The same answer again (stable ETag): a long poll of an old-token plane is not a new snapshot every time.
    const first = await fetch(`${url}/internal/v1/snapshot`, { headers: { authorization: `Bearer ${OLD_TOKEN}` } });
    const etag = first.headers.get('etag')!;
    await first.body?.cancel();
    const again = await fetch(`${url}/internal/v1/snapshot`, { headers: { authorization: `Bearer ${OLD_TOKEN}`, 'if-none-match': etag } });
    expect(again.status).toBe(304);
  });

  it('a data plane moved to the new token opens the new snapshots and its copy on disk from before', async () => {
    const fresh = await syncDataplane(NEW_TOKEN, OLD_TOKEN, null);
    expect([...fresh.current()!.routes.values()][0]!.deployments[0]!.provider.credential).toBe(CREDENTIAL);

    // Restarted on the new token while the control plane is away: only its disk copy, sealed under the old token's key.
    const restarted = createSnapshotStore({ credentialKey: snapshotCredentialKeyring(NEW_TOKEN, OLD_TOKEN), persistPath: join(dir, 'old-plane.json'), logger });
    expect(await restarted.loadFromDisk()).toBe(true);
    expect([...restarted.current()!.routes.values()][0]!.deployments[0]!.provider.credential).toBe(CREDENTIAL);
    // Without RELAY_INTERNAL_TOKEN_PREVIOUS that copy would not open.
    const withoutPrevious = createSnapshotStore({ credentialKey: snapshotCredentialKeyring(NEW_TOKEN), persistPath: join(dir, 'old-plane.json'), logger });
    expect(await withoutPrevious.loadFromDisk()).toBe(false);
  });

  it('refuses any other token, and the previous one once it is dropped', async () => {
    const wrong = await fetch(`${url}/internal/v1/snapshot`, { headers: { authorization: 'Bearer issue-7-some-other-token-000000000000000' } });
    expect(wrong.status).toBe(401);
    await wrong.body?.cancel();
    deps.internalTokenPrevious = null;
    try {
      const old = await fetch(`${url}/internal/v1/snapshot`, { headers: { authorization: `Bearer ${OLD_TOKEN}` } });
      expect(old.status).toBe(401);
      await old.body?.cancel();
    } finally {
      deps.internalTokenPrevious = OLD_TOKEN;
    }
  });

  it('reads RELAY_INTERNAL_TOKEN_PREVIOUS in the data plane configuration', () => {
    const env = { RELAY_INTERNAL_TOKEN: NEW_TOKEN, RELAY_KEY_SECRET: 'k'.repeat(32) };
    expect(loadDataplaneConfig(env).internalTokenPrevious).toBeNull();
    expect(loadDataplaneConfig({ ...env, RELAY_INTERNAL_TOKEN_PREVIOUS: OLD_TOKEN }).internalTokenPrevious).toBe(OLD_TOKEN);
  });
});
