import { readFile, rm, writeFile } from 'node:fs/promises';

/** A held lock; release() removes the lock file if it is still ours. */
export interface DirectoryLock {
  release(): Promise<void>;
}

/**
 * Takes `lockPath` for this process, so two Relay processes never share state that only one
 * may own (a PGlite directory, an event spool). The file holds our pid: a second process fails
 * fast with a message naming the holder, and a lock left by a dead process (crash, kill -9) is
 * taken over.
 *
 * @param what names the guarded thing in the error, e.g. `The data directory /srv/relay`.
 */
export async function acquireDirectoryLock(lockPath: string, what: string): Promise<DirectoryLock> {
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      await writeFile(lockPath, String(process.pid), { flag: 'wx' });
      return { release: () => releaseDirectoryLock(lockPath) };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const holder = await readLockPid(lockPath);
    if (holder !== null && isProcessAlive(holder)) {
      throw new Error(`${what} is in use by another relay process (pid ${holder}). Stop it first, or set RELAY_DATA_DIR to another directory.`);
    }
    await rm(lockPath, { force: true });
  }
  throw new Error(`Could not take the lock file ${lockPath}: another process keeps replacing it.`);
}

async function readLockPid(lockPath: string): Promise<number | null> {
  try {
    const pid = Number.parseInt((await readFile(lockPath, 'utf8')).trim(), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to another user.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Removes the lock only if it is still ours, so a release after a takeover leaves the new holder's lock alone. */
async function releaseDirectoryLock(lockPath: string): Promise<void> {
  if ((await readLockPid(lockPath)) === process.pid) await rm(lockPath, { force: true });
}
