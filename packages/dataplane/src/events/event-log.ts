import { randomBytes } from 'node:crypto';
import { closeSync, fdatasync, fdatasyncSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, writeSync, writevSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { validateRequestEvent, type RequestEvent } from '@proxystacks/shared/events/request-event';
import { acquireDirectoryLock } from '@proxystacks/shared/fs/directory-lock';
import { writeFileDurably } from '@proxystacks/shared/fs/write-file-durably';
import type { DiskErrors } from './disk-errors.ts';

/** Where one event sits in the log: its segment, the byte just past its line, and its sequence number. */
export interface LogPosition {
  readonly segment: number;
  readonly offset: number;
  readonly seq: number;
}

/** An event read back from the log at start, not yet acknowledged by the event store. */
export interface LoggedEvent {
  event: RequestEvent;
  position: LogPosition;
}

export interface EventLogOptions {
  dir: string;
  /**
   * fsync policy. 0: fdatasync after every write, before the answers waiting for it go out
   * (survives power loss; costs a disk flush per write). N > 0: writes reach the page cache
   * (they survive kill -9 and any crash of the process) and are flushed to the device every
   * N ms (a power loss loses at most N ms).
   */
  fsyncIntervalMs: number;
  /** A segment is closed and a new one started past this size. */
  segmentMaxBytes?: number;
  diskErrors: DiskErrors;
  logger: Pick<Logger, 'warn' | 'error' | 'info'>;
}

export interface EventLogStats {
  /** Events appended (or replayed) and not yet acknowledged. */
  pendingEvents: number;
  segments: number;
  /** Events the last start found unacknowledged and replayed. */
  replayedAtStart: number;
}

export interface EventLog {
  /**
   * This log's identity: random, made when the log directory is first opened and kept in it
   * (`log-id`), so it survives restarts. Batch ids built from log positions carry it: positions
   * alone repeat across data planes (two fresh logs both start at segment 1, and first events of
   * one size end at the same offset), and the control plane's batch-id memory is shared by all.
   */
  readonly id: string;
  /**
   * Appends one event. The first event of an event-loop turn is written at once; the turn's
   * later ones are written together, in one syscall, at its end, before the loop waits for I/O
   * again (group commit): a write per event cost ~8 µs of CPU per request under load, as much
   * as the rest of the event path (issue 11). `whenWritten` says when an event is in the
   * kernel's page cache, where it outlives the process. Null when the log has no segment to
   * append to (the disk refused to open one; the event then lives in memory only).
   * `line`: the event's JSON text and a newline, as bytes (the caller keeps them for the sink:
   * the event is serialised and encoded once).
   */
  append(line: Buffer): LogPosition | null;
  /**
   * Runs `then` once every event appended so far has been written (at once when none waits).
   * A failed write is counted and logged with its errno code (those events then live in memory
   * only) and `then` still runs: the log never holds an answer back for good.
   */
  whenWritten(then: () => void): void;
  /** Everything up to and including `position` is in the event store or the spool. */
  acknowledge(position: LogPosition): void;
  /** Events the previous process appended and never saw acknowledged, oldest first (once). */
  takeReplay(): LoggedEvent[];
  stats(): EventLogStats;
  /** Flushes, writes the final checkpoint and releases the lock. */
  close(): Promise<void>;
}

const SEGMENT = /^(\d{12})\.events$/;
const CHECKPOINT = 'checkpoint.json';
const LOG_ID = 'log-id';
/** 64 random bits in hex: unique across a fleet's data planes, short enough for a batch id. */
const LOG_ID_PATTERN = /^[0-9a-f]{16}$/;

/**
 * The data plane's append-only event log: every request event is appended here before the last
 * byte of its answer is handed to uWS, so a request the client saw complete is on disk even if
 * the process is killed the next instant. The log is a write-ahead record of the in-memory
 * queue, not a second store: a small checkpoint file (temp + fsync + rename) says how far the
 * event store (or the disk spool) has acknowledged, segments wholly before it are deleted, and
 * at start whatever follows it is replayed into the queue. Re-delivery after a crash is
 * harmless (request ids; the table is a ReplacingMergeTree read with FINAL), and replayed
 * batches get ids derived from their log range so the store's deduplication usually drops them.
 */
export async function openEventLog(options: EventLogOptions): Promise<EventLog> {
  mkdirSync(options.dir, { recursive: true, mode: 0o700 });
  const lock = await acquireDirectoryLock(join(options.dir, '.lock'), `The event log ${options.dir}`);
  const segmentMaxBytes = options.segmentMaxBytes ?? 64 * 1024 * 1024;
  const id = await readOrCreateLogId(options.dir);
  const checkpoint = readCheckpoint(options.dir);
  const segments = listSegments(options.dir);
  let seq = 0;
  const replay: LoggedEvent[] = [];
  let skipped = 0;
  for (const segment of segments) {
    if (segment < checkpoint.segment) {
      rmSync(segmentPath(options.dir, segment), { force: true });
      continue;
    }
    const text = readFileSync(segmentPath(options.dir, segment));
    let start = segment === checkpoint.segment ? checkpoint.offset : 0;
    // A line without its newline is a write the crash cut (power loss); later appends go to a new segment.
    for (let end = text.indexOf(10, start); end !== -1; start = end + 1, end = text.indexOf(10, start)) {
      try {
        const event = validateRequestEvent(JSON.parse(text.subarray(start, end).toString('utf8')));
        replay.push({ event, position: { segment, offset: end + 1, seq: ++seq } });
      } catch {
        skipped++;
      }
    }
  }
  if (skipped > 0) options.logger.error({ skipped, dir: options.dir }, 'unreadable lines in the event log skipped');
  if (replay.length > 0) options.logger.warn({ events: replay.length }, 'replaying request events not acknowledged before the last stop');
  const replayedAtStart = replay.length;
  let replayTaken = false;

  let current = { segment: (segments.at(-1) ?? checkpoint.segment) + 1, fd: -1, bytes: 0 };
  const live = new Set(segments.filter((s) => s >= checkpoint.segment));
  let acked: LogPosition = { segment: checkpoint.segment, offset: checkpoint.offset, seq: 0 };
  let dirty = false;
  let checkpointing: Promise<void> | null = null;
  let checkpointAgain = false;
  let writtenCheckpoint = acked;

  function openSegment(): boolean {
    try {
      current.fd = openSync(segmentPath(options.dir, current.segment), 'a', 0o600);
      live.add(current.segment);
      return true;
    } catch (err) {
      options.diskErrors.record(err, 'event log open');
      return false;
    }
  }

  /** Closes the current segment (flushing it); the next append starts a new one. */
  function rollSegment(): void {
    const fd = current.fd;
    if (fd !== -1) {
      // Flushed off the event loop; the descriptor closes once the flush is done.
      fdatasync(fd, (err) => {
        if (err) options.diskErrors.record(err, 'event log fsync');
        closeSync(fd);
      });
    }
    current = { segment: current.segment + 1, fd: -1, bytes: 0 };
  }

  const timer =
    options.fsyncIntervalMs > 0
      ? setInterval(() => {
          if (!dirty || current.fd === -1) return;
          dirty = false;
          fdatasync(current.fd, (err) => {
            if (err) options.diskErrors.record(err, 'event log fsync');
          });
        }, options.fsyncIntervalMs).unref()
      : null;

  async function writeCheckpoint(): Promise<void> {
    do {
      checkpointAgain = false;
      const target = acked;
      try {
        await writeFileDurably(options.dir, CHECKPOINT, JSON.stringify({ segment: target.segment, offset: target.offset }), { syncDirectory: true });
        writtenCheckpoint = target;
      } catch (err) {
        options.diskErrors.record(err, 'event log checkpoint');
        return;
      }
      // Segments wholly before the checkpoint are acknowledged: nothing in them is replayed again.
      for (const segment of live) {
        if (segment < writtenCheckpoint.segment && segment !== current.segment) {
          live.delete(segment);
          await rm(segmentPath(options.dir, segment), { force: true }).catch((err: unknown) => options.diskErrors.record(err, 'event log cleanup'));
        }
      }
    } while (checkpointAgain);
  }

  /** Lines appended and not yet written, their bytes, and what waits for them. */
  let unwritten: Buffer[] = [];
  let unwrittenBytes = 0;
  let afterWrite: Array<() => void> = [];
  /** True from the first append of an event-loop turn to the turn's end (setImmediate). */
  let turnOpen = false;
  /** Lines appended in the turn so far. */
  let turnLines = 0;
  /**
   * Whether the last turn appended more than one line: under load requests finish several to a
   * turn, and a turn's first line then waits for its end too, so the turn costs one write.
   */
  let busy = false;
  /** Sequence ranges whose write failed and that are not acknowledged yet: not in the log, so not pending in it. */
  let unlogged: Array<{ first: number; last: number }> = [];

  /** Writes `lines` (the last `lines.length` sequence numbers) in one syscall; a failure is counted and the segment ended. */
  function writeLines(lines: Buffer[], bytes: number): void {
    try {
      const written = lines.length === 1 ? writeSync(current.fd, lines[0]!) : writevSync(current.fd, lines);
      if (written !== bytes) throw Object.assign(new Error('short write to the event log'), { code: 'ENOSPC' });
      if (options.fsyncIntervalMs === 0) fdatasyncSync(current.fd);
      dirty = true;
    } catch (err) {
      options.diskErrors.record(err, 'event log append');
      unlogged.push({ first: seq - lines.length + 1, last: seq });
      // A torn line may sit at the end of this segment: new lines go to a fresh one.
      rollSegment();
    }
  }

  /** Writes what the turn appended after its first event, then runs what waited for it. */
  function writeAppended(): void {
    const lines = unwritten;
    const bytes = unwrittenBytes;
    const waiting = afterWrite;
    unwritten = [];
    unwrittenBytes = 0;
    afterWrite = [];
    if (lines.length > 0 && current.fd !== -1) writeLines(lines, bytes);
    for (const then of waiting) then();
  }

  function endTurn(): void {
    turnOpen = false;
    busy = turnLines > 1;
    turnLines = 0;
    writeAppended();
  }

  return {
    id,
    append(line) {
      // A segment ends between two writes, never inside one: what waits goes to the old one first.
      if (current.bytes >= segmentMaxBytes) {
        writeAppended();
        rollSegment();
      }
      if (current.fd === -1 && !openSegment()) return null;
      current.bytes += line.length;
      const position = { segment: current.segment, offset: current.bytes, seq: ++seq };
      turnLines++;
      if (!turnOpen) {
        turnOpen = true;
        setImmediate(endTurn);
        // The first event of a quiet turn is written at once, so a lone request waits for
        // nothing; the turn's later ones, and under load all of them, go together at its end.
        if (!busy) {
          writeLines([line], line.length);
          return position;
        }
      }
      unwritten.push(line);
      unwrittenBytes += line.length;
      return position;
    },
    whenWritten(then) {
      if (unwritten.length === 0) then();
      else afterWrite.push(then);
    },
    acknowledge(position) {
      if (position.seq <= acked.seq) return;
      acked = position;
      if (checkpointing !== null) {
        checkpointAgain = true;
        return;
      }
      checkpointing = writeCheckpoint().finally(() => (checkpointing = null));
    },
    takeReplay() {
      if (replayTaken) return [];
      replayTaken = true;
      return replay.splice(0);
    },
    stats() {
      unlogged = unlogged.filter((range) => range.last > acked.seq);
      const notInLog = unlogged.reduce((sum, range) => sum + range.last - Math.max(range.first, acked.seq + 1) + 1, 0);
      return { pendingEvents: seq - acked.seq - notInLog, segments: live.size, replayedAtStart };
    },
    async close() {
      writeAppended();
      if (timer !== null) clearInterval(timer);
      await checkpointing;
      if (writtenCheckpoint !== acked) await writeCheckpoint();
      if (current.fd !== -1) {
        const fd = current.fd;
        current.fd = -1;
        await new Promise<void>((resolve) => fdatasync(fd, () => resolve()));
        closeSync(fd);
      }
      await lock.release();
    },
  };
}

function segmentPath(dir: string, segment: number): string {
  return join(dir, `${String(segment).padStart(12, '0')}.events`);
}

function listSegments(dir: string): number[] {
  return readdirSync(dir)
    .map((name) => SEGMENT.exec(name)?.[1])
    .filter((n): n is string => n !== undefined)
    .map(Number)
    .sort((a, b) => a - b);
}

function readCheckpoint(dir: string): { segment: number; offset: number } {
  try {
    const parsed = JSON.parse(readFileSync(join(dir, CHECKPOINT), 'utf8')) as { segment?: unknown; offset?: unknown };
    if (Number.isSafeInteger(parsed.segment) && Number.isSafeInteger(parsed.offset)) return { segment: parsed.segment as number, offset: parsed.offset as number };
  } catch {
    // No checkpoint yet (first start), or unreadable: replay everything there is.
  }
  return { segment: 0, offset: 0 };
}

/**
 * The log's id from `dir/log-id`, or a new one written durably (temp + fsync + rename) when there
 * is none yet (a fresh directory, or a log from before ids) or it is unreadable.
 */
async function readOrCreateLogId(dir: string): Promise<string> {
  try {
    const existing = readFileSync(join(dir, LOG_ID), 'utf8').trim();
    if (LOG_ID_PATTERN.test(existing)) return existing;
  } catch {
    // None yet: made below.
  }
  const id = randomBytes(8).toString('hex');
  await writeFileDurably(dir, LOG_ID, id, { syncDirectory: true });
  return id;
}
