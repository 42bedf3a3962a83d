import type { Logger } from 'pino';
import type { SecretKey, SecretKeyring } from '@proxystacks/shared/crypto/sealed-secret';
import type { ConfigSnapshot } from '@proxystacks/shared/snapshot/config-snapshot';
import { snapshotCredentialKey } from '@proxystacks/shared/snapshot/snapshot-credentials';
import type { PrismaClient } from '../generated/prisma/client.ts';
import { buildSnapshot } from './build-snapshot.ts';
import { readConfigRevision } from './config-revision.ts';

export interface SnapshotPublisherOptions {
  prisma: PrismaClient;
  internalToken: string;
  /** Opens provider credentials at rest (a keyring during a master key rotation). */
  masterKey: SecretKey | SecretKeyring;
  logger: Pick<Logger, 'info' | 'warn' | 'error' | 'debug'>;
  /** How often to look for changes made by other control plane processes. */
  pollIntervalMs?: number;
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
 * plane are picked up by polling the revision (one indexed single-row read).
 */
export function createSnapshotPublisher(options: SnapshotPublisherOptions): SnapshotPublisher {
  const snapshotKey = snapshotCredentialKey(options.internalToken);
  const listeners = new Set<(snapshot: ConfigSnapshot) => void>();
  let current: ConfigSnapshot | null = null;
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<void> | null = null;
  let again = false;
  let stopped = false;

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
