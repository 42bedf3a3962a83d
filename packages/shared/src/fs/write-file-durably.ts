import { open, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Writes `body` to `dir/name` so that after a crash or power loss the file is either absent or
 * complete: a temp file is written and fsynced, then renamed over `name`, and (`syncDirectory`)
 * the directory is fsynced so the rename itself is durable (POSIX leaves that to the directory).
 * On any error the temp file is removed and the error rethrown.
 */
export async function writeFileDurably(dir: string, name: string, body: string, options: { syncDirectory?: boolean } = {}): Promise<void> {
  const temp = join(dir, `${name}.tmp`);
  try {
    const handle = await open(temp, 'w', 0o600);
    try {
      await handle.writeFile(body);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, join(dir, name));
  } catch (err) {
    await rm(temp, { force: true }).catch(() => undefined);
    throw err;
  }
  if (options.syncDirectory === true) {
    const handle = await open(dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  }
}
