import { mkdir, open, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { validateRequestEvent, type RequestEvent } from '@proxystacks/shared/events/request-event';
import { acquireDirectoryLock } from '@proxystacks/shared/fs/directory-lock';

/** A batch kept on disk while the event store is unreachable. */
export interface SpooledBatch {
  batchId: string;
  events: RequestEvent[];
}

export interface EventSpool {
  /** Writes a batch durably (fsync before rename). False when the spool is full: the caller must raise the alarm. */
  put(batch: SpooledBatch): Promise<boolean>;
  /** The oldest spooled batch, or null. Unreadable files are moved aside as `.bad` and skipped. */
  oldest(): Promise<SpooledBatch | null>;
  /** Deletes a batch once the store has it. */
  remove(batchId: string): Promise<void>;
  /** Files and bytes currently spooled. */
  usage(): { batches: number; bytes: number };
  /** Releases the spool's lock (after the queue using it has closed). */
  close(): Promise<void>;
}

export interface EventSpoolOptions {
  dir: string;
  maxBytes: number;
  logger: Pick<Logger, 'warn' | 'error'>;
}

const SUFFIX = '.jsonl';

/**
 * The disk spool behind the event queue: when ClickHouse (or the control plane) stays
 * unreachable, batches move here instead of piling up in memory, and survive a restart. Each
 * batch is one JSON-lines file named `<time>-<sequence>-<batchId>.jsonl`, so replay is in arrival order
 * and keeps the batch id (the store's deduplication token): a batch that was written but whose
 * acknowledgement was lost is not counted twice when it is replayed.
 */
export async function openEventSpool(options: EventSpoolOptions): Promise<EventSpool> {
  await mkdir(options.dir, { recursive: true, mode: 0o700 });
  // One process per spool: two replaying the same files would race on them.
  const lock = await acquireDirectoryLock(join(options.dir, '.lock'), `The event spool ${options.dir}`);
  const files = new Map<string, { name: string; bytes: number }>();
  for (const name of (await readdir(options.dir)).filter((n) => n.endsWith(SUFFIX)).sort()) {
    const batchId = batchIdOf(name);
    files.set(batchId, { name, bytes: (await stat(join(options.dir, name))).size });
  }
  let bytes = [...files.values()].reduce((sum, f) => sum + f.bytes, 0);
  /** Orders batches spooled within the same millisecond. */
  let sequence = 0;

  return {
    async put(batch) {
      const body = batch.events.map((e) => JSON.stringify(e)).join('\n') + '\n';
      const size = Buffer.byteLength(body);
      if (bytes + size > options.maxBytes) return false;
      const name = `${String(Date.now()).padStart(15, '0')}-${String(sequence++).padStart(9, '0')}-${batch.batchId}${SUFFIX}`;
      const temp = join(options.dir, `${name}.tmp`);
      const handle = await open(temp, 'w', 0o600);
      try {
        await handle.writeFile(body);
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(temp, join(options.dir, name));
      files.set(batch.batchId, { name, bytes: size });
      bytes += size;
      return true;
    },
    async oldest() {
      for (const [batchId, file] of files) {
        try {
          const text = await readFile(join(options.dir, file.name), 'utf8');
          const events = text
            .split('\n')
            .filter((line) => line.length > 0)
            .map((line) => validateRequestEvent(JSON.parse(line)));
          return { batchId, events };
        } catch (err) {
          options.logger.error({ file: file.name, reason: (err as Error).message }, 'unreadable spooled event batch moved aside');
          await rename(join(options.dir, file.name), join(options.dir, `${file.name}.bad`)).catch(() => undefined);
          files.delete(batchId);
          bytes -= file.bytes;
        }
      }
      return null;
    },
    async remove(batchId) {
      const file = files.get(batchId);
      if (file === undefined) return;
      await rm(join(options.dir, file.name), { force: true });
      files.delete(batchId);
      bytes -= file.bytes;
    },
    usage: () => ({ batches: files.size, bytes }),
    close: () => lock.release(),
  };
}

/** `<time>-<sequence>-<batchId>.jsonl` → batchId (batch ids may contain dashes themselves). */
function batchIdOf(name: string): string {
  const afterTime = name.indexOf('-') + 1;
  return name.slice(name.indexOf('-', afterTime) + 1, -SUFFIX.length);
}
