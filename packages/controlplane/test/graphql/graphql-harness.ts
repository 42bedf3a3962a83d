import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino, type Logger } from 'pino';
import type { Plugin } from 'graphql-yoga';
import { generateSecretKey, type SecretKey } from '@proxystacks/shared/crypto/sealed-secret';
import type { HostResolver } from '@proxystacks/shared/net/host-resolver';
import type { UpstreamAddressPolicy } from '@proxystacks/shared/net/upstream-address-policy';
import { createClickHouse, migrateClickHouse, type ClickHouse } from '../../src/analytics/clickhouse.ts';
import { createRequestTail, type RequestTail } from '../../src/analytics/request-tail.ts';
import { createDatabase, type Database } from '../../src/db/client.ts';
import { migrateDatabase } from '../../src/db/migrate.ts';
import { ensureBootstrap } from '../../src/domain/bootstrap.ts';
import { createGraphQLHandler } from '../../src/graphql/handler.ts';
import { DEFAULT_AUTH_SETTINGS, type AuthSettings } from '../../src/auth/auth-settings.ts';
import { MIN_PASSWORD_HASH_COST, passwordHashParams } from '../../src/auth/password-hash.ts';
import { handleAuth } from '../../src/auth/session-routes.ts';
import { openTestDatabase, type TestDatabaseKind } from '../support/test-database.ts';
import type { DeploymentHealthStore } from '../../src/health/deployment-health-store.ts';
import type { SnapshotPublisher } from '../../src/domain/snapshot-publisher.ts';
import { createBatchIdMemory } from '../../src/internal/batch-id-memory.ts';
import { handleInternal } from '../../src/internal/internal-api.ts';

/** A GraphQL response as the test sees it: HTTP status and parsed body. */
export interface GraphQLResponse<T> {
  status: number;
  body: { data?: T | null; errors?: Array<{ message: string; path?: string[]; extensions?: Record<string, unknown> }> };
}

/**
 * The admin GraphQL API over real HTTP on port 0, backed by a fresh PGlite in a temp dir and
 * chDB (one data dir per test file: chDB allows one per process; vitest forks per file).
 */
export interface GraphQLHarness {
  db: Database;
  clickhouse: ClickHouse;
  keySecret: string;
  masterKey: SecretKey;
  orgId: string;
  adminToken: string;
  /** The /graphql endpoint. */
  url: string;
  /** Where /auth/* is served too (`${origin}/auth/sign-in`). */
  origin: string;
  auth: AuthSettings;
  /** The owner user bootstrap created, with their set-up link's token. */
  ownerSetup: { email: string; setupToken: string };
  /** The live tail `requestTail` reads: tests publish events to it (nothing ingests here). */
  requestTail: RequestTail;
  /** How many times a mutation told the snapshot publisher the config changed. */
  configChanges(): number;
  gql<T = Record<string, unknown>>(query: string, variables?: Record<string, unknown>, token?: string | null): Promise<GraphQLResponse<T>>;
  /** Like gql, but fails on any error and returns `data`. */
  ok<T = Record<string, unknown>>(query: string, variables?: Record<string, unknown>): Promise<T>;
  close(): Promise<void>;
}

/** Options of {@link startGraphQLHarness}. */
export interface GraphQLHarnessOptions {
  /** Provider base URL policy; default loopback allowed (tests point providers at 127.0.0.1), private refused. */
  providerUrlPolicy?: UpstreamAddressPolicy;
  /** Resolver for provider hosts; default {@link offlineResolver}: tests never ask real DNS. */
  resolveHost?: HostResolver;
  logger?: Logger;
  maxBodyBytes?: number;
  currentSnapshot?: () => { version: number; hash: string; createdAt: string };
  /** Console sessions and password hashing; default the defaults with the cheapest hash cost (2^14). */
  auth?: AuthSettings;
  /** The clock budget windows are read at; default Date.now. */
  now?: () => number;
  /** Default PGlite; 'postgres' needs TEST_DATABASE_URL (a fresh database is created and dropped). */
  database?: TestDatabaseKind;
  /**
   * Deployment health: GraphQL reads `store`, and /internal/v1/* is served as the control plane
   * does (internal token `internalToken`) for the paths that need no snapshots.
   */
  deploymentHealth?: { store: DeploymentHealthStore; internalToken: string };
  /** A span per operation (graphql/operation-tracing.ts); default none, tracing off. */
  tracingPlugin?: Plugin;
}

/** Answers `localhost` with 127.0.0.1 and every other name with ENOTFOUND, without any network. */
export const offlineResolver: HostResolver = async (hostName) => {
  if (hostName === 'localhost') return [{ address: '127.0.0.1', family: 4 }];
  throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostName}`), { code: 'ENOTFOUND' });
};

export async function startGraphQLHarness(options: GraphQLHarnessOptions = {}): Promise<GraphQLHarness> {
  const dir = await mkdtemp(join(tmpdir(), 'relay-graphql-test-'));
  const logger = options.logger ?? pino({ level: 'silent' });
  const testDb = options.database === 'postgres' ? await openTestDatabase('postgres') : null;
  const db = await createDatabase({ databaseUrl: testDb?.url ?? null, pglitePath: join(dir, 'pglite') });
  await migrateDatabase(db, logger);
  const clickhouse = await createClickHouse({
    url: null,
    chdbPath: join(dir, 'chdb'),
    database: `relay_test_${randomBytes(4).toString('hex')}`,
  });
  await migrateClickHouse(clickhouse, logger);
  const keySecret = randomBytes(32).toString('hex');
  const masterKey = generateSecretKey();
  const boot = await ensureBootstrap(db.prisma, { keySecret, masterKey, adminToken: null, seedDemo: false });
  if (boot.adminToken === null) throw new Error('bootstrap did not create an admin token');
  if (boot.ownerSetup === null) throw new Error('bootstrap did not create an owner user');
  const auth = options.auth ?? { ...DEFAULT_AUTH_SETTINGS, passwordHash: passwordHashParams(MIN_PASSWORD_HASH_COST) };
  const adminToken = boot.adminToken;
  let changes = 0;
  const requestTail = createRequestTail();
  const yoga = createGraphQLHandler({
    requestTail,
    prisma: db.prisma,
    clickhouse,
    keySecret,
    masterKey,
    providerUrls: { policy: options.providerUrlPolicy ?? { allowLoopback: true, allowPrivate: false }, resolve: options.resolveHost ?? offlineResolver },
    logger,
    onConfigChanged: async () => {
      changes += 1;
    },
    currentSnapshot: options.currentSnapshot ?? (() => ({ version: 7, hash: 'sha256:abc', createdAt: '2025-01-02T03:04:05.000Z' })),
    auth,
    ...(options.maxBodyBytes === undefined ? {} : { maxBodyBytes: options.maxBodyBytes }),
    ...(options.now === undefined ? {} : { now: options.now }),
    ...(options.deploymentHealth === undefined ? {} : { deploymentHealth: options.deploymentHealth.store }),
    ...(options.tracingPlugin === undefined ? {} : { tracingPlugin: options.tracingPlugin }),
  });
  const internal =
    options.deploymentHealth === undefined
      ? null
      : {
          internalToken: options.deploymentHealth.internalToken,
          publisher: { current: () => { throw new Error('the GraphQL harness serves no snapshots'); } } as unknown as SnapshotPublisher,
          clickhouse,
          batches: createBatchIdMemory(),
          logger,
          deploymentHealth: options.deploymentHealth.store,
        };
  // /auth/* as the control plane server routes it (src/server.ts), everything else to GraphQL.
  const authDeps = { prisma: db.prisma, keySecret, auth, logger };
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]!;
    void handleAuth(req, res, path, authDeps)
      .then(async (handled) => handled || (internal !== null && (await handleInternal(req, res, path, internal))))
      .then((handled) => (handled ? undefined : yoga(req, res)));
  });
  // Node closes an idle keep-alive socket after 5 s; the test's fetch (undici) may pick that very
  // socket for its next POST a moment earlier and get ECONNRESET (POSTs are not retried). Tests
  // that pause between calls (the authorization matrix digests the database between each) hit it
  // on a busy machine, so idle sockets here live longer than any pause.
  server.keepAliveTimeout = 120_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const url = `${origin}/graphql`;

  async function gql<T>(query: string, variables: Record<string, unknown> = {}, token: string | null = adminToken) {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token === null ? {} : { authorization: `Bearer ${token}` }) },
      body: JSON.stringify({ query, variables }),
    });
    return { status: response.status, body: (await response.json()) as GraphQLResponse<T>['body'] };
  }

  return {
    db,
    clickhouse,
    keySecret,
    masterKey,
    orgId: boot.orgId,
    adminToken,
    url,
    origin,
    auth,
    ownerSetup: boot.ownerSetup,
    requestTail,
    configChanges: () => changes,
    gql,
    ok: async <T>(query: string, variables: Record<string, unknown> = {}) => {
      const { status, body } = await gql<T>(query, variables);
      if (status !== 200 || body.errors?.length) throw new Error(`GraphQL ${status}: ${JSON.stringify(body.errors ?? body)}`);
      return body.data as T;
    },
    close: async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await clickhouse.close();
      await db.close();
      await testDb?.cleanup();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
