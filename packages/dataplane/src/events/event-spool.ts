import { mkdir, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { validateRequestEvent, type RequestEvent } from '@proxystacks/shared/events/request-event';
import { acquireDirectoryLock } from '@proxystacks/shared/fs/directory-lock';
import { writeFileDurably } from '@proxystacks/shared/fs/write-file-durably';

/** A batch kept on disk while the event store is unreachable. */
export interface SpooledBatch {
  batchId: string;
  events: RequestEvent[];
}

/** What the spool holds: batches waiting for the store, and batches it refused for good. */
export interface SpoolUsage {
  batches: number;
  events: number;
  /** Disk used by waiting and rejected batches together (what EVENT_SPOOL_MAX_BYTES bounds). */
  bytes: number;
  rejectedBatches: number;
  rejectedEvents: number;
}

export interface EventSpool {
  /**
   * Writes a batch durably (fsync before rename). False when the configured cap would be
   * exceeded: the caller must raise the "spool full" alarm. A disk error (ENOSPC, EIO, …) is
   * thrown as the fs error itself, after the temp file is removed.
   */
  put(batch: SpooledBatch): Promise<boolean>;
  /** The oldest spooled batch, or null. Unreadable files are moved aside as `.bad` and skipped. */
  oldest(): Promise<SpooledBatch | null>;
  /** Up to `count` spooled batches, oldest first (a replay sends several at once); unreadable files as in oldest(). */
  oldestBatches(count: number): Promise<SpooledBatch[]>;
  /** Deletes a batch once the store has it. */
  remove(batchId: string): Promise<void>;
  /**
   * Moves a batch the store refused for good into `rejected/` (with the reason beside it), out
   * of the replay order. Works for a spooled batch and for one still in memory. False when even
   * that would pass the cap.
   */
  reject(batch: SpooledBatch, reason: string): Promise<boolean>;
  usage(): SpoolUsage;
  /** Releases the spool's lock (after the queue using it has closed). */
  close(): Promise<void>;
}

export interface EventSpoolOptions {
  dir: string;
  maxBytes: number;
  logger: Pick<Logger, 'warn' | 'error'>;
}

const SUFFIX = '.jsonl';
const TEMP_SUFFIX = '.tmp';
/** `<time>-<sequence>-n<events>-<batchId>.jsonl`; batch ids are UUIDs (hex), never `n…`. */
const NAME = /^(\d+)-(\d+)-(?:n(\d+)-)?(.+)\.jsonl$/;

/**
 * The disk spool behind the event queue: when ClickHouse (or the control plane) stays
 * unreachable, batches move here instead of piling up in memory, and survive a restart. Each
 * batch is one JSON-lines file named `<time>-<sequence>-n<events>-<batchId>.jsonl`, so replay is
 * in arrival order, the backlog is known in events without reading the files, and replay keeps
 * the batch id (the store's deduplication token): a batch that was written but whose
 * acknowledgement was lost is not counted twice when it is replayed.
 */
export async function openEventSpool(options: EventSpoolOptions): Promise<EventSpool> {
  const rejectedDir = join(options.dir, 'rejected');
  await mkdir(options.dir, { recursive: true, mode: 0o700 });
  // One process per spool: two replaying the same files would race on them.
  const lock = await acquireDirectoryLock(join(options.dir, '.lock'), `The event spool ${options.dir}`);
  const files = new Map<string, { name: string; bytes: number; events: number }>();
  let bytes = 0;
  const rejected = { batches: 0, events: 0 };
  for (const name of (await readdir(options.dir)).sort()) {
    // A temp file is a put() that a crash interrupted: its batch was never acknowledged as spooled.
    if (name.endsWith(TEMP_SUFFIX)) await rm(join(options.dir, name), { force: true });
    const parsed = NAME.exec(name);
    if (parsed === null) continue;
    const path = join(options.dir, name);
    const size = (await stat(path)).size;
    const events = parsed[3] !== undefined ? Number(parsed[3]) : await countLines(path);
    files.set(parsed[4]!, { name, bytes: size, events });
    bytes += size;
  }
  for (const name of await readdir(rejectedDir).catch(() => [] as string[])) {
    const parsed = NAME.exec(name);
    if (parsed === null) continue;
    bytes += (await stat(join(rejectedDir, name))).size;
    rejected.batches++;
    rejected.events += parsed[3] !== undefined ? Number(parsed[3]) : 0;
  }
  let spooledEvents = [...files.values()].reduce((sum, f) => sum + f.events, 0);
  /** Orders batches spooled within the same millisecond. */
  let sequence = 0;
  const nameFor = (batch: SpooledBatch) =>
    `${String(Date.now()).padStart(15, '0')}-${String(sequence++).padStart(9, '0')}-n${batch.events.length}-${batch.batchId}${SUFFIX}`;

  async function oldestBatches(count: number): Promise<SpooledBatch[]> {
    const batches: SpooledBatch[] = [];
    for (const [batchId, file] of [...files]) {
      if (batches.length >= count) break;
      try {
        const text = await readFile(join(options.dir, file.name), 'utf8');
        const events = text
          .split('\n')
          .filter((line) => line.length > 0)
          .map((line) => validateRequestEvent(JSON.parse(line)));
        batches.push({ batchId, events });
      } catch (err) {
        options.logger.error({ file: file.name, reason: (err as Error).message }, 'unreadable spooled event batch moved aside');
        await rename(join(options.dir, file.name), join(options.dir, `${file.name}.bad`)).catch(() => undefined);
        files.delete(batchId);
        bytes -= file.bytes;
        spooledEvents -= file.events;
      }
    }
    return batches;
  }

  return {
    async put(batch) {
      const body = batch.events.map((e) => JSON.stringify(e)).join('\n') + '\n';
      const size = Buffer.byteLength(body);
      if (bytes + size > options.maxBytes) return false;
      const name = nameFor(batch);
      await writeFileDurably(options.dir, name, body);
      files.set(batch.batchId, { name, bytes: size, events: batch.events.length });
      bytes += size;
      spooledEvents += batch.events.length;
      return true;
    },
    async oldest() {
      return (await oldestBatches(1))[0] ?? null;
    },
    oldestBatches,
    async remove(batchId) {
      const file = files.get(batchId);
      if (file === undefined) return;
      await rm(join(options.dir, file.name), { force: true });
      files.delete(batchId);
      bytes -= file.bytes;
      spooledEvents -= file.events;
    },
    async reject(batch, reason) {
      await mkdir(rejectedDir, { recursive: true, mode: 0o700 });
      const spooled = files.get(batch.batchId);
      const name = spooled?.name ?? nameFor(batch);
      const note = `${JSON.stringify({ batchId: batch.batchId, events: batch.events.length, reason, at: new Date().toISOString() })}\n`;
      if (spooled !== undefined) {
        await rename(join(options.dir, spooled.name), join(rejectedDir, name));
        files.delete(batch.batchId);
        spooledEvents -= spooled.events;
      } else {
        const body = batch.events.map((e) => JSON.stringify(e)).join('\n') + '\n';
        const size = Buffer.byteLength(body);
        if (bytes + size > options.maxBytes) return false;
        await writeFileDurably(rejectedDir, name, body);
        bytes += size;
      }
      await writeFileDurably(rejectedDir, `${name}.reason`, note).catch(() => undefined);
      rejected.batches++;
      rejected.events += batch.events.length;
      return true;
    },
    usage: () => ({
      batches: files.size,
      events: spooledEvents,
      bytes,
      rejectedBatches: rejected.batches,
      rejectedEvents: rejected.events,
    }),
    close: () => lock.release(),
  };
}

async function countLines(path: string): Promise<number> {
  const text = await readFile(path, 'utf8');
  let lines = 0;
  for (let at = text.indexOf('\n'); at !== -1; at = text.indexOf('\n', at + 1)) lines++;
  return lines;
}
