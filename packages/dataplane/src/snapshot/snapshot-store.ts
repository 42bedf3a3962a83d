import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Logger } from 'pino';
import type { SecretKey, SecretKeyring } from '@proxystacks/shared/crypto/sealed-secret';
import { parseSnapshot, type ConfigSnapshot } from '@proxystacks/shared/snapshot/config-snapshot';
import { compileSnapshot, type CompiledSnapshot } from './compiled-snapshot.ts';

/** Holds the data plane's current config snapshot. */
export interface SnapshotStore {
  /** The snapshot requests decide with; null until the first one arrives. */
  current(): CompiledSnapshot | null;
  /** Swaps in a newer snapshot; older or equal versions are ignored. Returns whether it was applied. */
  apply(snapshot: ConfigSnapshot): boolean;
  /** Loads the copy kept on disk, so a restart serves while the control plane is away. */
  loadFromDisk(): Promise<boolean>;
  /** Resolves once pending disk writes are done. */
  flush(): Promise<void>;
}

export interface SnapshotStoreOptions {
  credentialKey: SecretKey | SecretKeyring;
  /** File the last applied snapshot is kept in (credentials stay sealed); null = memory only. */
  persistPath: string | null;
  logger: Pick<Logger, 'info' | 'warn' | 'error'>;
  /** Told the version of every snapshot swapped in (the embedded data plane acknowledges it to its parent). */
  onApplied?: (version: number) => void;
}

/**
 * The snapshot holder. A swap is a single reference assignment, so a request sees one whole
 * snapshot from start to end. Versions never go backwards: a late poll answer or a stale disk
 * copy cannot undo a revocation.
 */
export function createSnapshotStore(options: SnapshotStoreOptions): SnapshotStore {
  let current: CompiledSnapshot | null = null;
  let writing: Promise<void> = Promise.resolve();

  function apply(snapshot: ConfigSnapshot): boolean {
    if (current !== null && snapshot.version <= current.version) return false;
    let compiled: CompiledSnapshot;
    try {
      compiled = compileSnapshot(snapshot, options.credentialKey);
    } catch (err) {
      // Keep serving the previous snapshot; a credential that does not open means the planes
      // disagree on RELAY_INTERNAL_TOKEN, which an operator must fix.
      options.logger.error({ version: snapshot.version, reason: (err as Error).message }, 'config snapshot rejected');
      return false;
    }
    current = compiled;
    options.onApplied?.(snapshot.version);
    if (options.persistPath !== null) writing = writing.then(() => persist(options.persistPath!, snapshot, options.logger));
    return true;
  }

  return {
    current: () => current,
    apply,
    async loadFromDisk() {
      if (options.persistPath === null) return false;
      const text = await readFile(options.persistPath, 'utf8').catch(() => null);
      if (text === null) return false;
      try {
        const applied = apply(parseSnapshot(JSON.parse(text)));
        if (applied) options.logger.info({ version: current?.version }, 'config snapshot loaded from disk');
        return applied;
      } catch (err) {
        options.logger.warn({ reason: (err as Error).message }, 'ignoring unreadable snapshot on disk');
        return false;
      }
    },
    flush: () => writing,
  };
}

async function persist(path: string, snapshot: ConfigSnapshot, logger: Pick<Logger, 'warn'>): Promise<void> {
  try {
    await mkdir(dirname(path), { recursive: true, mode: 0o700 });
    const temp = `${path}.${process.pid}.tmp`;
    await writeFile(temp, JSON.stringify(snapshot), { mode: 0o600 });
    await rename(temp, path);
  } catch (err) {
    logger.warn({ reason: (err as Error).message }, 'could not keep the config snapshot on disk');
  }
}
