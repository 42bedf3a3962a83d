import type { Logger } from 'pino';
import type { SecretKey, SecretKeyring } from '@proxystacks/shared/crypto/sealed-secret';
import type { ConfigSnapshot } from '@proxystacks/shared/snapshot/config-snapshot';
import { snapshotCredentialKey } from '@proxystacks/shared/snapshot/snapshot-credentials';
import type { PrismaClient } from '../generated/prisma/client.ts';
import { buildSnapshot } from './build-snapshot.ts';
import { onConfigRevisionBump, readConfigRevision } from './config-revision.ts';

/**
 * How long a bump this process made is waited for (sharedDatabase false). A bump is seen once its
 * transaction commits, well within this; one whose transaction rolled back is never seen, and
 * the publisher stops looking for it after this long.
 */
const LOCAL_BUMP_WAIT_MS = 60_000;

export interface SnapshotPublisherOptions {
  prisma: PrismaClient;
  internalToken: string;
  /** Opens provider credentials at rest (a keyring during a master key rotation). */
  masterKey: SecretKey | SecretKeyring;
  logger: Pick<Logger, 'info' | 'warn' | 'error' | 'debug'>;
  /** How often to look for changes made by other control plane processes. */
  pollIntervalMs?: number;
  /**
   * Whether other processes can change config in this database (Postgres: other control planes;
   * the default). False for PGlite, which only this process can open: the revision is then
   * read only while a bump this process made has not been seen yet, so an idle control plane
   * does not query its database four times a second (~6 ms of CPU each on PGlite).
   */
  sharedDatabase?: boolean;
}

export interface SnapshotPublisher {
  /** Builds the first snapshot and starts watching the config revision. */
  start(): Promise<void>;
  stop(): Promise<void>;
  /** The newest snapshot (start() must have resolved). */
  current(): ConfigSnapshot;
  /** Calls `listener` with every new snapshot; returns the unsubscribe function. */
  subscribe(listener: (snapshot: ConfigSnapshot) => void): () => void;
  /** Rebuilds now if the revision moved (called right after this process changed config). */
  refresh(): Promise<void>;
}

/**
 * Owns the current config snapshot. The snapshot's version is the config revision from
 * Postgres, which every config change bumps in its own transaction, so all control planes
 * agree on versions and a data plane can never go backwards. Changes made through this
 * process are published at once (refresh after the mutation); changes made by another control
 * plane are picked up by polling the revision (one indexed single-row read). On a database only
 * this process can open there is no other control plane, and a bump made here without a refresh
 * after it (the ledger opening a customer account while ingesting) is the only change to catch:
 * the poll then reads only while such a bump is unseen (sharedDatabase).
 */
export function createSnapshotPublisher(options: SnapshotPublisherOptions): SnapshotPublisher {
  const snapshotKey = snapshotCredentialKey(options.internalToken);
  const listeners = new Set<(snapshot: ConfigSnapshot) => void>();
  let current: ConfigSnapshot | null = null;
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<void> | null = null;
  let again = false;
  let stopped = false;
  /** sharedDatabase false: the newest revision this process bumped to and has not seen yet, and since when. */
  let awaited: { revision: number; since: number } | null = null;
  const unsubscribeBumps =
    options.sharedDatabase === false
      ? onConfigRevisionBump((revision) => {
          awaited = { revision: Math.max(Number(revision), awaited?.revision ?? 0), since: Date.now() };
        })
      : () => undefined;

  /** Whether this tick reads the revision: always on a shared database, else only while a local bump is unseen. */
  function changeMayBePending(): boolean {
    if (options.sharedDatabase !== false) return true;
    if (awaited === null) return false;
    if ((current?.version ?? 0) >= awaited.revision || Date.now() - awaited.since > LOCAL_BUMP_WAIT_MS) {
      awaited = null;
      return false;
    }
    return true;
  }

  async function rebuildIfChanged(): Promise<void> {
    const revision = Number(await readConfigRevision(options.prisma));
    if (current !== null && revision <= current.version) return;
    const snapshot = await buildSnapshot(options.prisma, { version: revision, masterKey: options.masterKey, snapshotKey });
    if (current !== null && snapshot.version <= current.version) return;
    current = snapshot;
    options.logger.debug({ version: snapshot.version, keys: snapshot.keys.length, routes: snapshot.routes.length }, 'config snapshot built');
    for (const listener of listeners) listener(snapshot);
  }

  /** One rebuild at a time; a request during a rebuild runs one more afterwards. */
  function refresh(): Promise<void> {
    if (running !== null) {
      again = true;
      return running;
    }
    running = (async () => {
      do {
        again = false;
        await rebuildIfChanged();
      } while (again);
    })().finally(() => {
      running = null;
    });
    return running;
  }

  function schedule(): void {
    if (stopped) return;
    timer = setTimeout(() => {
      if (!changeMayBePending()) return schedule();
      refresh()
        .catch((err: unknown) => options.logger.warn({ reason: (err as Error).message }, 'config snapshot refresh failed'))
        .finally(schedule);
    }, options.pollIntervalMs ?? 250);
  }

  return {
    async start() {
      await refresh();
      schedule();
    },
    async stop() {
      stopped = true;
      unsubscribeBumps();
      if (timer !== null) clearTimeout(timer);
      await running?.catch(() => undefined);
    },
    current() {
      if (current === null) throw new Error('The snapshot publisher has not started');
      return current;
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    refresh,
  };
}
