import { mkdir, rename, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Logger } from 'pino';
import { loadDataplaneConfig, type DataplaneConfig } from '@proxystacks/dataplane/config';
import { workerEnv } from '@proxystacks/dataplane/workers/worker-supervisor';
import { acquireDirectoryLock } from '@proxystacks/shared/fs/directory-lock';
import { hashKey } from '@proxystacks/shared/keys/key-format';
import { loadControlplaneConfig, type ControlplaneConfig } from '../config.ts';
import type { ControlplaneServices } from './controlplane-services.ts';
import { startDataplaneChildren, type DataplaneChildren } from './dataplane-children.ts';
import { embeddedSecretsPath, loadOrCreateEmbeddedSecrets, saveEmbeddedSecrets } from './embedded-secrets.ts';
import { createLogger } from './logger.ts';
import { setupUrl } from '../domain/setup-links.ts';

/** Options of {@link startRelay}; each overrides the matching environment variable. */
export interface StartRelayOptions {
  /** Environment to read the rest of the configuration from (`relay start` passes process.env). */
  env?: Record<string, string | undefined>;
  dataDir?: string;
  /** null = PGlite in dataDir, even when DATABASE_URL is set in `env`. */
  databaseUrl?: string | null;
  dataplanePort?: number;
  controlplanePort?: number;
  seedDemo?: boolean;
  logLevel?: string;
  logger?: Logger;
}

/** The relay running in this process. */
export interface RunningRelay {
  dataplaneUrl: string;
  controlplaneUrl: string;
  adminToken: string;
  /** The seeded demo key while it is active; null once revoked (or when nothing was seeded). */
  demoKey: string | null;
  /** Which secrets this start generated (first start on a data directory): the only time they are printed. */
  created: { adminToken: boolean; demoKey: boolean };
  /** The admin token came from RELAY_ADMIN_TOKEN: the operator has it, nothing prints it. */
  adminTokenFromEnv: boolean;
  /**
   * The owner user this start created (first start on a database without users) and the
   * console link that sets their password: shown once, like the admin token; null otherwise.
   */
  ownerSetup: { email: string; setupUrl: string; expiresAt: Date } | null;
  /** The owner email configured (RELAY_OWNER_EMAIL), for the banner's "new set-up link" hint. */
  ownerEmail: string;
  /** Where the embedded secrets are kept (mode 0600), to read them again. */
  secretsFile: string;
  /** The parts, for tests and the CLI: the ClickHouse client, Prisma, the publisher. */
  services: ControlplaneServices;
  /** The (first) data plane's process id now (it runs as a child process); null while it restarts. */
  dataplanePid(): number | null;
  /** Every data plane process's id, by index (DATAPLANE_WORKERS of them); null for one restarting. */
  dataplanePids(): Array<number | null>;
  /** Stops the data plane first (requests finish, events drain to the control plane), then the control plane. */
  close(): Promise<void>;
}

/**
 * The embedded composition root. This process runs the control plane with PGlite and chDB
 * (chDB allows one data directory per process); the data plane runs as a child process that
 * loads none of them, takes snapshots from the control plane over loopback (long poll) and
 * sends its events to the control plane's ingest endpoint, like a separate `relay dataplane`.
 * So an admin's heavy query, a snapshot rebuild or an analytics insert never stalls /healthz or
 * a chat request. A mutation still answers only once the child has applied its snapshot.
 * `relay start` and the end-to-end tests both come through here.
 */
export async function startRelay(options: StartRelayOptions = {}): Promise<RunningRelay> {
  const env = options.env ?? {};
  const dataDir = resolve(options.dataDir ?? env.RELAY_DATA_DIR ?? './.relay');
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const secrets = await loadOrCreateEmbeddedSecrets(dataDir);
  const merged: Record<string, string | undefined> = {
    ...env,
    RELAY_DATA_DIR: dataDir,
    RELAY_KEY_SECRET: env.RELAY_KEY_SECRET ?? secrets.keySecret,
    RELAY_MASTER_KEY: env.RELAY_MASTER_KEY ?? secrets.masterKey,
    // An interrupted `relay rotate-master-key` leaves the retired key beside the new one.
    RELAY_MASTER_KEY_PREVIOUS: env.RELAY_MASTER_KEY === undefined ? (env.RELAY_MASTER_KEY_PREVIOUS ?? secrets.previousMasterKey) : env.RELAY_MASTER_KEY_PREVIOUS,
    RELAY_INTERNAL_TOKEN: env.RELAY_INTERNAL_TOKEN ?? secrets.internalToken,
    ...embeddedAddressPolicyEnv(env),
    ...definedEntries({
      DATABASE_URL: options.databaseUrl === null ? '' : options.databaseUrl,
      DATAPLANE_PORT: options.dataplanePort?.toString(),
      CONTROLPLANE_PORT: options.controlplanePort?.toString(),
      LOG_LEVEL: options.logLevel,
    }),
  };
  const { cpConfig, dpConfig } = loadBothConfigs(merged);
  const logger = options.logger ?? createLogger(cpConfig.logLevel);

  // A second relay on this directory fails here, before seconds of loading (the lock itself is
  // held from when PGlite opens, db/client.ts: this only asks early).
  if (cpConfig.databaseUrl === null) {
    const pglitePath = join(dataDir, 'pglite');
    await (await acquireDirectoryLock(`${pglitePath}.lock`, `The data directory ${pglitePath}`)).release();
  }
  // Loaded only once the configuration is known good (issue 11): it pulls in Prisma, PGlite,
  // chDB and GraphQL, seconds of start-up that a typo in DATAPLANE_PORT should not wait for.
  const { startControlplaneServices } = await import('./controlplane-services.ts');
  // The data plane starts after the control plane listens (it needs its URL); mutations made
  // before then have nobody to wait for.
  let dataplane: DataplaneChildren | null = null;
  const services = await startControlplaneServices({
    config: cpConfig,
    logger,
    seedDemo: options.seedDemo ?? true,
    adminToken: cpConfig.adminToken ?? secrets.adminToken,
    demoKey: secrets.demoKey,
    awaitDataplane: (version) => dataplane?.waitForSnapshot(version) ?? Promise.resolve(),
  });
  try {
    const adminToken = services.bootstrap.adminToken ?? cpConfig.adminToken ?? secrets.adminToken;
    const demoKey = services.bootstrap.demoKey ?? secrets.demoKey;
    if (services.bootstrap.adminToken !== null || services.bootstrap.demoKey !== null) {
      await saveEmbeddedSecrets(dataDir, {
        ...secrets,
        adminToken: cpConfig.adminToken === null ? adminToken : secrets.adminToken,
        demoKey,
      });
    }
    if (adminToken === null) throw new Error('No admin token: set RELAY_ADMIN_TOKEN or start on an empty database');

    const controlplanePort = await services.listen(cpConfig.port, cpConfig.host);
    const controlplaneUrl = `http://${urlHost(cpConfig.host)}:${controlplanePort}`;
    const childEnv = await dataplaneChildEnv(merged, dpConfig, controlplaneUrl, dataDir);
    const count = dataplaneProcessCount(merged, dpConfig);
    const child = await startDataplaneChildren(
      {
        count,
        host: dpConfig.host,
        port: dpConfig.port,
        env: (index, port) => (count === 1 ? childEnv : workerEnv(childEnv, { index, port, dataplaneId: dpConfig.dataplaneId, dataDir: childEnv.RELAY_DATA_DIR! })),
        logger,
        // The child's own drain (SHUTDOWN_GRACE_MS) plus time to flush its events.
        closeTimeoutMs: dpConfig.shutdownGraceMs + 15_000,
      },
      services.publisher.current().version,
    );
    dataplane = child;

    return {
      dataplaneUrl: `http://${urlHost(dpConfig.host)}:${child.port}`,
      controlplaneUrl,
      adminToken,
      demoKey: (await isActiveKey(services, demoKey, cpConfig.keySecret)) ? demoKey : null,
      // Generated by this start, not read back from secrets.json (a database rebuilt under an
      // existing secrets.json re-inserts the same secrets: nothing new to show).
      created: {
        adminToken: cpConfig.adminToken === null && secrets.adminToken === null && services.bootstrap.adminToken !== null,
        demoKey: secrets.demoKey === null && services.bootstrap.demoKey !== null,
      },
      adminTokenFromEnv: cpConfig.adminToken !== null,
      ownerSetup: ownerSetupOf(services, cpConfig.auth.publicUrl ?? controlplaneUrl),
      ownerEmail: cpConfig.ownerEmail,
      secretsFile: embeddedSecretsPath(dataDir),
      services,
      dataplanePid: () => child.pids()[0] ?? null,
      dataplanePids: () => child.pids(),
      async close() {
        // The data plane first: its requests finish and its events reach the control plane,
        // which is still up to take them; then the control plane and its stores.
        await child.close();
        await services.close();
      },
    };
  } catch (err) {
    await dataplane?.close().catch(() => undefined);
    await services.close().catch(() => undefined);
    throw err;
  }
}

/**
 * How many data plane processes `relay start` runs: one unless DATAPLANE_WORKERS says otherwise.
 * `relay dataplane` defaults to one per core; the all-in-one keeps one, so a development relay
 * behaves as one process does (one response cache, one set of circuit breakers, one quota
 * lease) and its memory stays small. More pay off where the one data plane process saturates
 * its core while others sit idle; on the 2-core bench machine, which wrk, the mock upstream and
 * the control plane fill anyway, two were no faster (bench/relay-start-floor.ts with
 * BENCH_RSF_WORKERS=2: 0.455-0.555x of the floor against 0.514-0.601x with one, interleaved).
 */
function dataplaneProcessCount(merged: Record<string, string | undefined>, dpConfig: DataplaneConfig): number {
  return merged.DATAPLANE_WORKERS === undefined ? 1 : dpConfig.workers;
}

/**
 * The data plane child's environment: its own settings as given, the control plane on loopback,
 * its own directory (snapshot copy, event spool) and only the two secrets it needs; the
 * database URL, the master key and the admin token stay in this process.
 */
async function dataplaneChildEnv(
  merged: Record<string, string | undefined>,
  dpConfig: DataplaneConfig,
  controlplaneUrl: string,
  dataDir: string,
): Promise<Record<string, string>> {
  const childDir = join(dataDir, 'dataplane');
  await mkdir(childDir, { recursive: true, mode: 0o700 });
  await adoptOldEventSpool(dataDir, childDir);
  const withheld = new Set(['DATABASE_URL', 'CLICKHOUSE_URL', 'RELAY_MASTER_KEY', 'RELAY_MASTER_KEY_PREVIOUS', 'RELAY_ADMIN_TOKEN']);
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(merged)) {
    if (value !== undefined && !withheld.has(name)) env[name] = value;
  }
  return {
    ...env,
    RELAY_DATA_DIR: childDir,
    CONTROLPLANE_URL: controlplaneUrl,
    DATAPLANE_HOST: dpConfig.host,
    DATAPLANE_PORT: String(dpConfig.port),
    RELAY_INTERNAL_TOKEN: dpConfig.internalToken,
    RELAY_KEY_SECRET: dpConfig.keySecret,
    LOG_LEVEL: dpConfig.logLevel,
  };
}

/**
 * Before the data plane became a child process its spool sat at <dataDir>/event-spool; events
 * left there by a crash move to the child's directory so they are still sent.
 */
async function adoptOldEventSpool(dataDir: string, childDir: string): Promise<void> {
  const old = join(dataDir, 'event-spool');
  const target = join(childDir, 'event-spool');
  if ((await stat(old).catch(() => null)) === null || (await stat(target).catch(() => null)) !== null) return;
  await rename(old, target);
}

/** The owner bootstrap made, with their set-up link on the console at `consoleOrigin`. */
export function ownerSetupOf(services: ControlplaneServices, consoleOrigin: string): RunningRelay['ownerSetup'] {
  const owner = services.bootstrap.ownerSetup;
  return owner === null ? null : { email: owner.email, setupUrl: setupUrl(consoleOrigin, owner.setupToken), expiresAt: owner.expiresAt };
}

/** The banner offers the demo key only while it works (an admin may have revoked it). */
async function isActiveKey(services: ControlplaneServices, key: string | null, keySecret: string): Promise<boolean> {
  if (key === null) return false;
  const row = await services.db.prisma.apiKey.findUnique({ where: { hash: hashKey(key, keySecret) }, select: { status: true } });
  return row?.status === 'ACTIVE';
}

/** Reads both planes' configuration and reports every bad value of either in one error. */
function loadBothConfigs(env: Record<string, string | undefined>): { cpConfig: ControlplaneConfig; dpConfig: DataplaneConfig } {
  const problems: string[] = [];
  const attempt = <T>(load: () => T): T | null => {
    try {
      return load();
    } catch (err) {
      problems.push(...(err as Error).message.split('\n').slice(1));
      return null;
    }
  };
  const cpConfig = attempt(() => loadControlplaneConfig(env));
  const dpConfig = attempt(() => loadDataplaneConfig(env));
  if (cpConfig === null || dpConfig === null) {
    throw new Error(`Invalid configuration:\n${[...new Set(problems)].join('\n')}`);
  }
  return { cpConfig, dpConfig };
}

/**
 * Embedded mode is one machine's gateway: local models (Ollama, vLLM) and test upstreams on
 * loopback are its normal use, so both planes allow loopback unless the environment says
 * otherwise (`relay controlplane` and `relay dataplane` refuse it by default).
 */
export function embeddedAddressPolicyEnv(env: Record<string, string | undefined>): Record<'PROVIDER_URL_ALLOW_LOOPBACK' | 'UPSTREAM_ALLOW_LOOPBACK', string> {
  return {
    PROVIDER_URL_ALLOW_LOOPBACK: env.PROVIDER_URL_ALLOW_LOOPBACK?.trim() || 'true',
    UPSTREAM_ALLOW_LOOPBACK: env.UPSTREAM_ALLOW_LOOPBACK?.trim() || 'true',
  };
}

function definedEntries(record: Record<string, string | undefined>): Record<string, string> {
  return Object.fromEntries(Object.entries(record).filter((entry): entry is [string, string] => entry[1] !== undefined));
}

/** A host as it goes into a URL: wildcard binds are reached on loopback, IPv6 gets brackets. */
export function urlHost(host: string): string {
  if (host === '0.0.0.0' || host === '::') return '127.0.0.1';
  return host.includes(':') ? `[${host}]` : host;
}
