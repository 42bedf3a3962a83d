import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { createGraphQLClient } from '../e2e/graphql-client.ts';
import { connectToControlplane, spawnRelay, type RelayProcess } from '../e2e/relay-process.ts';

/** One `relay dataplane` process of a {@link MultiPlane}. */
export interface PlaneProcess {
  process: RelayProcess;
  /** Its base URL (no /v1). */
  url: string;
  dataDir: string;
}

/** One `relay controlplane` and N `relay dataplane` processes on loopback, started through the real CLI. */
export interface MultiPlane {
  secrets: { RELAY_KEY_SECRET: string; RELAY_MASTER_KEY: string; RELAY_INTERNAL_TOKEN: string };
  controlplane(): RelayProcess;
  controlplaneUrl: string;
  graphql: ReturnType<typeof createGraphQLClient>;
  dataplanes: PlaneProcess[];
  /** Stops the control plane (SIGTERM, or `signal`) and waits for it to exit. */
  stopControlplane(signal?: NodeJS.Signals): Promise<number | string>;
  /** Starts it again on the same port, database and data directory; resolves once it listens. */
  restartControlplane(): Promise<void>;
  close(): Promise<void>;
}

/** Options of {@link startMultiPlane}. */
export interface MultiPlaneOptions {
  dataplanes: number;
  /** Postgres URL; null = PGlite in the control plane's data directory. */
  databaseUrl: string | null;
  /** Extra environment of every data plane (e.g. DATAPLANE_WORKERS, EVENT_FLUSH_INTERVAL_MS). */
  dataplaneEnv?: Record<string, string>;
  /** Runs after the control plane is up and before the data planes start (seed aliases, keys). */
  seed?(graphql: ReturnType<typeof createGraphQLClient>): Promise<void>;
}

/**
 * The scale-out topology on one machine (issue 11): the control plane on port 0 with its
 * embedded chDB (events reach ClickHouse through its ingest endpoint), then the data planes, each
 * on its own port 0 and data directory, started at once. Shared by the scale-out test and bench
 * (packages/controlplane/bench/scale-out.ts) and the data plane workers test.
 */
export async function startMultiPlane(options: MultiPlaneOptions): Promise<MultiPlane> {
  const secrets = clusterSecrets();
  const dirs: string[] = [];
  const dir = tempDirMaker(dirs);
  const controlplaneDir = await dir('relay-multi-cp-');
  const startControlplane = (port: number) =>
    spawnRelay('controlplane', {
      ...secrets,
      RELAY_DATA_DIR: controlplaneDir,
      CONTROLPLANE_PORT: String(port),
      ...(options.databaseUrl === null ? {} : { DATABASE_URL: options.databaseUrl }),
    });
  let controlplane = startControlplane(0);
  const dataplanes: PlaneProcess[] = [];
  const close = async () => {
    await Promise.all(dataplanes.map((dp) => stopOrKill(dp.process)));
    await stopOrKill(controlplane);
    await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
  };
  try {
    const { url: controlplaneUrl, graphql } = await connectToControlplane(controlplane);
    await options.seed?.(graphql);
    const startDataplane = async (dataDir: string): Promise<PlaneProcess> => {
      const child = spawnDataplane(controlplaneUrl, secrets, dataDir, options.dataplaneEnv);
      dataplanes.push({ process: child, url: '', dataDir });
      const url = await dataplaneUrl(child);
      const plane = dataplanes.find((dp) => dp.process === child)!;
      plane.url = url;
      return plane;
    };
    const dataDirs = await Promise.all(Array.from({ length: options.dataplanes }, () => dir('relay-multi-dp-')));
    await Promise.all(dataDirs.map((d) => startDataplane(d)));
    const port = Number(new URL(controlplaneUrl).port);
    return {
      secrets,
      controlplane: () => controlplane,
      controlplaneUrl,
      graphql,
      dataplanes,
      async stopControlplane(signal = 'SIGTERM') {
        if (controlplane.child.exitCode === null && controlplane.child.signalCode === null) controlplane.child.kill(signal);
        return controlplane.exitCode();
      },
      async restartControlplane() {
        controlplane = startControlplane(port);
        await controlplane.waitForLine(/^Control plane: /);
      },
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}

/** SIGTERM, and SIGKILL if a graceful stop hangs, so a failed test never leaves a process behind. */
export async function stopOrKill(relay: RelayProcess | undefined): Promise<void> {
  if (relay === undefined) return;
  let timer: NodeJS.Timeout | undefined;
  const hung = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), 20_000)));
  const stopped = await Promise.race([relay.stop().then(() => true), hung]);
  clearTimeout(timer);
  if (!stopped) {
    relay.child.kill('SIGKILL');
    await relay.exitCode();
  }
}

/** Secrets of a cluster: one set for the control plane, shared with its data planes. */
export type ClusterSecrets = ReturnType<typeof clusterSecrets>;

/** Fresh random secrets for a cluster of `relay` processes. */
export function clusterSecrets() {
  return {
    RELAY_KEY_SECRET: randomBytes(24).toString('hex'),
    RELAY_MASTER_KEY: randomBytes(32).toString('hex'),
    RELAY_INTERNAL_TOKEN: randomBytes(24).toString('hex'),
  };
}

/** Makes temp directories named `prefix…`, recording each in `dirs` so the caller removes them all. */
export function tempDirMaker(dirs: string[]): (prefix: string) => Promise<string> {
  return async (prefix) => {
    const made = await mkdtemp(join(tmpdir(), prefix));
    dirs.push(made);
    return made;
  };
}

/** `relay dataplane` on port 0 and its own data directory, against the control plane at `controlplaneUrl`. */
export function spawnDataplane(controlplaneUrl: string, secrets: ClusterSecrets, dataDir: string, env: Record<string, string> = {}): RelayProcess {
  return spawnRelay('dataplane', {
    CONTROLPLANE_URL: controlplaneUrl,
    RELAY_INTERNAL_TOKEN: secrets.RELAY_INTERNAL_TOKEN,
    RELAY_KEY_SECRET: secrets.RELAY_KEY_SECRET,
    RELAY_DATA_DIR: dataDir,
    DATAPLANE_PORT: '0',
    ...env,
  });
}

/** The base URL (no /v1) a `relay dataplane` prints once it listens. */
export async function dataplaneUrl(dataplane: RelayProcess): Promise<string> {
  return (await dataplane.waitForLine(/^Data plane: (http:\/\/\S+)\/v1 /))[1]!;
}
