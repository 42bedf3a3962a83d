import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Logger } from 'pino';
import { createDataplane } from '@proxystacks/dataplane/app';
import { loadDataplaneConfig } from '@proxystacks/dataplane/config';
import { createClickHouseSink } from '@proxystacks/dataplane/events/clickhouse-sink';
import { openEventPipeline } from '@proxystacks/dataplane/events/open-event-pipeline';
import { createSnapshotStore } from '@proxystacks/dataplane/snapshot/snapshot-store';
import { hashKey } from '@proxystacks/shared/keys/key-format';
import { snapshotCredentialKey } from '@proxystacks/shared/snapshot/snapshot-credentials';
import { loadControlplaneConfig } from '../config.ts';
import { startControlplaneServices, type ControlplaneServices } from './controlplane-services.ts';
import { embeddedSecretsPath, loadOrCreateEmbeddedSecrets, saveEmbeddedSecrets } from './embedded-secrets.ts';
import { createLogger } from './logger.ts';

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
  /** Where the embedded secrets are kept (mode 0600), to read them again. */
  secretsFile: string;
  /** The parts, for tests and the CLI: the ClickHouse client, Prisma, the publisher. */
  services: ControlplaneServices;
  close(): Promise<void>;
}

/**
 * The embedded composition root: both planes in one process, sharing one ClickHouse client
 * (chDB allows one data directory per process) and handing config snapshots over in memory.
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
    RELAY_INTERNAL_TOKEN: env.RELAY_INTERNAL_TOKEN ?? secrets.internalToken,
    ...definedEntries({
      DATABASE_URL: options.databaseUrl === null ? '' : options.databaseUrl,
      DATAPLANE_PORT: options.dataplanePort?.toString(),
      CONTROLPLANE_PORT: options.controlplanePort?.toString(),
      LOG_LEVEL: options.logLevel,
    }),
  };
  const { cpConfig, dpConfig } = loadBothConfigs(merged);
  const logger = options.logger ?? createLogger(cpConfig.logLevel);

  const services = await startControlplaneServices({
    config: cpConfig,
    logger,
    seedDemo: options.seedDemo ?? true,
    adminToken: cpConfig.adminToken ?? secrets.adminToken,
    demoKey: secrets.demoKey,
  });
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

  const snapshots = createSnapshotStore({
    credentialKey: snapshotCredentialKey(dpConfig.internalToken),
    persistPath: join(dataDir, 'snapshot.json'),
    logger,
  });
  snapshots.apply(services.publisher.current());
  const unsubscribe = services.publisher.subscribe((snapshot) => snapshots.apply(snapshot));
  const { events, close: closeEvents } = await openEventPipeline({
    config: dpConfig,
    sink: createClickHouseSink({ client: services.clickhouse.client, database: services.clickhouse.database }),
    logger,
  });
  const dataplane = createDataplane({ config: dpConfig, snapshots, events, logger });
  const dataplanePort = await dataplane.listen(dpConfig.port, dpConfig.host);
  const controlplanePort = await services.listen(cpConfig.port, cpConfig.host);

  return {
    dataplaneUrl: `http://${urlHost(dpConfig.host)}:${dataplanePort}`,
    controlplaneUrl: `http://${urlHost(cpConfig.host)}:${controlplanePort}`,
    adminToken,
    demoKey: (await isActiveKey(services, demoKey, cpConfig.keySecret)) ? demoKey : null,
    // Generated by this start, not read back from secrets.json (a database rebuilt under an
    // existing secrets.json re-inserts the same secrets: nothing new to show).
    created: {
      adminToken: cpConfig.adminToken === null && secrets.adminToken === null && services.bootstrap.adminToken !== null,
      demoKey: secrets.demoKey === null && services.bootstrap.demoKey !== null,
    },
    adminTokenFromEnv: cpConfig.adminToken !== null,
    secretsFile: embeddedSecretsPath(dataDir),
    services,
    async close() {
      // Stop taking requests first, then drain what they produced, then the stores.
      await dataplane.close();
      unsubscribe();
      await closeEvents();
      await services.close();
    },
  };
}

/** The banner offers the demo key only while it works (an admin may have revoked it). */
async function isActiveKey(services: ControlplaneServices, key: string | null, keySecret: string): Promise<boolean> {
  if (key === null) return false;
  const row = await services.db.prisma.apiKey.findUnique({ where: { hash: hashKey(key, keySecret) }, select: { status: true } });
  return row?.status === 'ACTIVE';
}

/** Reads both planes' configuration and reports every bad value of either in one error. */
function loadBothConfigs(env: Record<string, string | undefined>) {
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

function definedEntries(record: Record<string, string | undefined>): Record<string, string> {
  return Object.fromEntries(Object.entries(record).filter((entry): entry is [string, string] => entry[1] !== undefined));
}

/** A host as it goes into a URL: wildcard binds are reached on loopback, IPv6 gets brackets. */
export function urlHost(host: string): string {
  if (host === '0.0.0.0' || host === '::') return '127.0.0.1';
  return host.includes(':') ? `[${host}]` : host;
}
