import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RequestEvent } from '@proxystacks/shared/events/request-event';
import { testRequestEvent } from '@proxystacks/shared/events/test-request-event';
import { embeddedSecretsPath, parseEmbeddedSecrets } from '../../src/runtime/embedded-secrets.ts';
import { startRelay, type RunningRelay } from '../../src/runtime/start-relay.ts';
import { eventually } from '../e2e/graphql-client.ts';
import { openTestDatabase, type TestDatabase, type TestDatabaseKind } from './test-database.ts';

/** The demo key's scope ids, as events carry them. */
export interface DemoScope {
  orgId: string;
  teamId: string;
  projectId: string;
  environmentId: string;
  keyId: string;
}

/** A real relay (`startRelay`: control plane here, data plane as its child) on a fresh database, for the ledger tests. */
export interface LedgerRelay {
  relay: RunningRelay;
  internalToken: string;
  /** RELAY_KEY_SECRET of this relay (HMACs of keys and credit codes). */
  keySecret: string;
  demo: DemoScope;
  /** A chat completion with the demo key; returns the x-request-id. */
  chat(options?: { stream?: boolean; key?: string }): Promise<string>;
  /** A priced event of the demo key (cost 1,000–9,999 micros unless overridden). */
  pricedEvent(overrides?: Partial<RequestEvent>): RequestEvent;
  /** Waits until every one of `requestIds` is in ClickHouse. */
  waitForEvents(requestIds: readonly string[]): Promise<void>;
  /** Where the relay keeps its data, and its Postgres URL (null: PGlite in dataDir): for `relay` commands run beside it. */
  dataDir: string;
  databaseUrl: string | null;
  /** Stops the relay and keeps its data (the embedded stores are then free for a `relay` command). */
  stop(): Promise<void>;
  /** Starts it again on the same data after {@link stop}; `relay` is the new one. */
  restart(): Promise<void>;
  close(): Promise<void>;
}

/** Starts the relay with the demo seed (mock provider, priced alias `relay-mini`, demo key). */
export async function startLedgerRelay(kind: TestDatabaseKind): Promise<LedgerRelay> {
  const dataDir = await mkdtemp(join(tmpdir(), 'relay-ledger-'));
  const database: TestDatabase = await openTestDatabase(kind);
  const start = () => startRelay({ dataDir, databaseUrl: database.url, dataplanePort: 0, controlplanePort: 0, seedDemo: true, logLevel: 'warn' });
  const relay = await start();
  let running = true;
  const path = embeddedSecretsPath(dataDir);
  const { internalToken, keySecret } = parseEmbeddedSecrets(await readFile(path, 'utf8'), path);
  const key = await relay.services.db.prisma.apiKey.findFirstOrThrow({ orderBy: { createdAt: 'asc' } });
  const demo = { orgId: key.orgId, teamId: key.teamId, projectId: key.projectId, environmentId: key.environmentId, keyId: key.id };
  const handle: LedgerRelay = {
    relay,
    internalToken,
    keySecret,
    demo,
    async chat(options = {}) {
      const response = await fetch(`${handle.relay.dataplaneUrl}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${options.key ?? handle.relay.demoKey}` },
        body: JSON.stringify({ model: 'relay-mini', messages: [{ role: 'user', content: 'Count this once, please.' }], stream: options.stream === true }),
      });
      await response.text();
      return response.headers.get('x-request-id') ?? '';
    },
    pricedEvent: (overrides = {}) =>
      testRequestEvent({
        org_id: demo.orgId,
        team_id: demo.teamId,
        project_id: demo.projectId,
        environment_id: demo.environmentId,
        environment: 'production',
        key_id: demo.keyId,
        prompt_tokens: 10,
        completion_tokens: 20,
        cost_micros: 1_000 + Math.floor(Math.random() * 9_000),
        pricing_rule_id: 'rule-test',
        pricing_rule_version: 3,
        ...overrides,
      }),
    async waitForEvents(requestIds) {
      const ch = handle.relay.services.clickhouse;
      await eventually(async () => {
        const result = await ch.client.query({
          query: `SELECT count(DISTINCT request_id) AS n FROM ${ch.database}.request_events WHERE request_id IN {ids:Array(String)}`,
          query_params: { ids: requestIds },
          format: 'JSONEachRow',
        });
        return Number((await result.json<{ n: number | string }>())[0]?.n) === requestIds.length ? true : undefined;
      }, `${requestIds.length} events in ClickHouse`, 300);
    },
    dataDir,
    databaseUrl: database.url,
    async stop() {
      if (running) await handle.relay.close();
      running = false;
    },
    async restart() {
      handle.relay = await start();
      running = true;
    },
    async close() {
      await handle.stop();
      await database.cleanup();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
  return handle;
}
