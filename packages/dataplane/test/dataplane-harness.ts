import { request as httpRequest } from 'node:http';
import { pino } from 'pino';
import type { RequestEvent } from '@proxystacks/shared/events/request-event';
import { generateKey, hashKey, displayPrefix } from '@proxystacks/shared/keys/key-format';
import type { HostResolver } from '@proxystacks/shared/net/host-resolver';
import { createSnapshot, type ConfigSnapshot, type ConfigSnapshotInput, type SnapshotKey } from '@proxystacks/shared/snapshot/config-snapshot';
import { sealSnapshotCredential, snapshotCredentialKey } from '@proxystacks/shared/snapshot/snapshot-credentials';
import { createDataplane, type Dataplane } from '../src/app.ts';
import { loadDataplaneConfig } from '../src/config.ts';
import type { EventSink } from '../src/events/event-sink.ts';
import { createEventQueue, type EventQueue } from '../src/events/event-queue.ts';
import { createSnapshotStore, type SnapshotStore } from '../src/snapshot/snapshot-store.ts';
import { startMockUpstream, type MockUpstream } from '../src/mock/mock-upstream.ts';

export const KEY_SECRET = 'test-key-secret-0123456789abcdefghijkl';
export const INTERNAL_TOKEN = 'test-internal-token-0123456789abcdefghij';
export const PRICES = { inputMicrosPerMTok: 150_000, outputMicrosPerMTok: 600_000, cachedInputMicrosPerMTok: 75_000, cacheWriteMicrosPerMTok: null };

/**
 * A real data plane on a loopback port (uWS, the built-in mock upstream over real HTTP), with
 * a snapshot built in the test instead of by a control plane, and an event sink that keeps the
 * batches it is given so tests can read them back.
 */
export interface Harness {
  url: string;
  activeKey: string;
  revokedKey: string;
  events: RequestEvent[];
  snapshots: SnapshotStore;
  queue: EventQueue;
  /** A mock upstream of the test's own (alias `ext-mini`), so tests can read what the upstream saw. */
  upstream: MockUpstream;
  eventFor(requestId: string): Promise<RequestEvent>;
  /** Chat completion requests the data plane is serving right now. */
  inFlight(): number;
  applySnapshot(change: (content: ConfigSnapshotInput) => void): void;
  close(): Promise<void>;
}

/**
 * A snapshot entry for `secret`: an active key of org-1's production environment unless
 * `fields` say otherwise (for tests that add keys with applySnapshot).
 */
export function testKey(id: string, secret: string, fields: Partial<SnapshotKey> = {}): SnapshotKey {
  return { id, hash: hashKey(secret, KEY_SECRET), prefix: displayPrefix(secret), name: id, orgId: 'org-1', teamId: 'team-1', projectId: 'proj-1', environmentId: 'env-1', environment: 'production', status: 'active', expiresAt: null, allowedAliases: [], previousHash: null, previousHashExpiresAt: null, responseCacheTtlSeconds: null, ...fields };
}

/**
 * An `anthropic` provider on the harness's own mock upstream (which speaks Anthropic's wire at
 * `/v1/messages`), with a sealed key (`withKey`) or none, for tests that add it with applySnapshot.
 */
export function anthropicMockProvider(h: Pick<Harness, 'upstream'>, id: string, withKey = true): ConfigSnapshotInput['providers'][number] {
  const credential = withKey ? sealSnapshotCredential('sk-ant-mock-key', snapshotCredentialKey(INTERNAL_TOKEN), id) : null;
  return { id, orgId: 'org-1', name: `Anthropic (mock) ${id}`, type: 'anthropic', baseUrl: h.upstream.baseUrl, credential, environments: [] };
}

/** A route of org-1 from `alias` to one deployment of `providerId`, priced by rule-1. */
export function singleRoute(alias: string, providerId: string, upstreamModel: string): ConfigSnapshotInput['routes'][number] {
  return { orgId: 'org-1', alias, deployments: [{ id: `dep-${alias}`, providerId, upstreamModel, priority: 0, weight: 1, pricingRuleId: 'rule-1', environment: '' }] };
}

/** Options of {@link startHarness} beyond the environment. */
export interface HarnessOptions {
  /** Stub resolver for upstream host names (never real DNS in tests). */
  resolveUpstreamHost?: HostResolver;
  /** Certificates the data plane trusts for upstream TLS (a test's own CA), instead of Node's roots. */
  upstreamCa?: readonly string[];
  /** The response cache's clock (ms), so a test can expire entries without waiting. */
  cacheClock?: () => number;
}

/** Starts the harness; upstreams on loopback are allowed (UPSTREAM_ALLOW_LOOPBACK) unless `env` says otherwise. */
export async function startHarness(env: Record<string, string> = {}, options: HarnessOptions = {}): Promise<Harness> {
  const upstream = await startMockUpstream();
  const activeKey = generateKey();
  const revokedKey = generateKey();
  let content: ConfigSnapshotInput = {
    version: 1,
    createdAt: new Date().toISOString(),
    keys: [
      { id: 'key-active', hash: hashKey(activeKey, KEY_SECRET), prefix: displayPrefix(activeKey), name: 'active', orgId: 'org-1', teamId: 'team-1', projectId: 'proj-1', environmentId: 'env-1', environment: 'production', status: 'active', expiresAt: null, allowedAliases: [], previousHash: null, previousHashExpiresAt: null },
      { id: 'key-revoked', hash: hashKey(revokedKey, KEY_SECRET), prefix: displayPrefix(revokedKey), name: 'revoked', orgId: 'org-1', teamId: 'team-1', projectId: 'proj-1', environmentId: 'env-1', environment: 'production', status: 'revoked', expiresAt: null, allowedAliases: [], previousHash: null, previousHashExpiresAt: null },
    ],
    providers: [
      { id: 'prov-mock', orgId: 'org-1', name: 'Mock', type: 'mock', baseUrl: null, credential: null, environments: [] },
      // Nothing listens on port 9 (discard) on loopback: connection refused, a retryable failure.
      { id: 'prov-ext', orgId: 'org-1', name: 'External mock', type: 'openai_compatible', baseUrl: upstream.baseUrl, credential: null, environments: [] },
      { id: 'prov-down', orgId: 'org-1', name: 'Down', type: 'openai_compatible', baseUrl: 'http://127.0.0.1:9/v1', credential: null, environments: [] },
    ],
    routes: [
      { orgId: 'org-1', alias: 'relay-mini', deployments: [{ id: 'dep-mock', providerId: 'prov-mock', upstreamModel: 'mock-1', priority: 0, weight: 1, pricingRuleId: 'rule-1', environment: '' }] },
      {
        orgId: 'org-1',
        alias: 'with-fallback',
        deployments: [
          { id: 'dep-down', providerId: 'prov-down', upstreamModel: 'gpt-x', priority: 0, weight: 1, pricingRuleId: null, environment: '' },
          { id: 'dep-mock-2', providerId: 'prov-mock', upstreamModel: 'mock-1', priority: 1, weight: 1, pricingRuleId: 'rule-1', environment: '' },
        ],
      },
      { orgId: 'org-1', alias: 'ext-mini', deployments: [{ id: 'dep-ext', providerId: 'prov-ext', upstreamModel: 'mock-1', priority: 0, weight: 1, pricingRuleId: 'rule-1', environment: '' }] },
      { orgId: 'org-1', alias: 'only-down', deployments: [{ id: 'dep-down-2', providerId: 'prov-down', upstreamModel: 'gpt-x', priority: 0, weight: 1, pricingRuleId: null, environment: '' }] },
    ],
    pricingRules: [{ id: 'rule-1', version: 3, ...PRICES }],
  };
  const config = loadDataplaneConfig({
    RELAY_KEY_SECRET: KEY_SECRET,
    RELAY_INTERNAL_TOKEN: INTERNAL_TOKEN,
    DATAPLANE_PORT: '0',
    LOG_LEVEL: 'silent',
    UPSTREAM_ALLOW_LOOPBACK: 'true',
    // Tests provoke upstream failures on purpose, many per deployment: breakers stay closed
    // unless a test sets these (issue-9-routing-resilience.test.ts does).
    UPSTREAM_BREAKER_CONSECUTIVE_FAILURES: '1000000',
    UPSTREAM_BREAKER_MIN_ATTEMPTS: '1000000',
    ...env,
  });
  const logger = pino({ level: 'silent' });
  const snapshots = createSnapshotStore({ credentialKey: snapshotCredentialKey(INTERNAL_TOKEN), persistPath: null, logger });
  snapshots.apply(createSnapshot(content));
  const events: RequestEvent[] = [];
  const sink: EventSink = {
    async write(_batchId, batch) {
      events.push(...batch);
    },
  };
  const queue = createEventQueue({ sink, batchSize: 1, flushIntervalMs: 10, maxQueued: 10_000, logger });
  const dataplane: Dataplane = createDataplane({ config, snapshots, events: queue, logger, ...(options.resolveUpstreamHost ? { resolveUpstreamHost: options.resolveUpstreamHost } : {}), ...(options.upstreamCa ? { upstreamCa: options.upstreamCa } : {}), ...(options.cacheClock ? { cacheClock: options.cacheClock } : {}) });
  const port = await dataplane.listen(0, '127.0.0.1');
  return {
    url: `http://127.0.0.1:${port}`,
    activeKey,
    revokedKey,
    events,
    snapshots,
    queue,
    upstream,
    inFlight: () => dataplane.inFlight(),
    async eventFor(requestId) {
      for (let i = 0; i < 200; i++) {
        const event = events.find((e) => e.request_id === requestId);
        if (event !== undefined) return event;
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      throw new Error(`no event for ${requestId}`);
    },
    applySnapshot(change) {
      content = structuredClone(content);
      change(content);
      content.version++;
      snapshots.apply(createSnapshot(content) as ConfigSnapshot);
    },
    async close() {
      await dataplane.close();
      await queue.close();
      await upstream.close();
    },
  };
}

/**
 * Posts a chat completion and hangs up as soon as the first bytes of the answer arrive (a client
 * that goes away mid-stream). Resolves with the request id the data plane sent.
 */
export function postAndHangUpAfterFirstChunk(url: string, key: string, body: unknown): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    const req = httpRequest(`${url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    });
    req.on('response', (res) => {
      res.once('data', () => {
        req.destroy();
        resolve(res.headers['x-request-id'] as string);
      });
    });
    req.on('error', (err) => {
      if (!/aborted|socket hang up|ECONNRESET/.test(err.message)) reject(err);
    });
    req.end(JSON.stringify(body));
  });
}
