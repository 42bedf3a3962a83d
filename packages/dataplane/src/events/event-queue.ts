import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { RequestEvent } from '@proxystacks/shared/events/request-event';
import type { DiskErrors } from './disk-errors.ts';
import type { EventLog, LogPosition } from './event-log.ts';
import { PermanentEventError, type EventSink } from './event-sink.ts';
import type { EventSpool } from './event-spool.ts';

export interface EventQueueOptions {
  sink: EventSink;
  /** A batch is sent as soon as this many events wait… */
  batchSize: number;
  /**
   * …or this many bytes of event JSON (default BATCH_MAX_BYTES): a batch stays well under the
   * control plane's ingest limit (32 MiB) even when its events carry long strings.
   */
  batchMaxBytes?: number;
  /** …or this long after the first of them arrived. */
  flushIntervalMs: number;
  /**
   * Events held in memory at most. Beyond it the newest waiting batch moves to the spool (the
   * store answers, but slower than events arrive); without a spool, or with the spool full, new
   * events are dropped and counted.
   */
  maxQueued: number;
  logger: Pick<Logger, 'warn' | 'error' | 'info'>;
  /** Where batches go when the sink keeps failing; null = memory only. */
  spool?: EventSpool | null;
  /** Write-ahead log every pushed event is appended to first; null = memory only (tests). */
  log?: EventLog | null;
  /** Where disk errors of the spool are counted (the log has its own reference). */
  diskErrors?: DiskErrors | null;
  /** Failed attempts after which a batch moves to the spool (default 3). */
  spoolAfterFailures?: number;
  /** Backoff between retries of a failed batch (doubles up to 30 s). */
  retryBaseMs?: number;
}

/** Spooled batches sent at once during a replay: a backlog drains in a few round trips, not one per batch. */
const REPLAY_IN_FLIGHT = 4;
/**
 * Longest wait between tries while the store stays down, once a batch has gone to the spool:
 * the next batch waits (collecting events) instead of being tried at once, so an outage spools
 * a few large batches rather than one per flush interval, and a recovered store is noticed
 * within this long.
 */
const OUTAGE_RETRY_MAX_MS = 2_000;

/**
 * Default byte cap of a batch's event JSON. Typical events are ~1 kB, so the count
 * (EVENT_BATCH_SIZE, 10,000) cuts first; events near their columns' limits (~15 kB) are cut here,
 * at a quarter of the ingest's 32 MiB body limit.
 */
export const BATCH_MAX_BYTES = 8 * 1024 * 1024;
/** Size assumed for an event without its JSON at hand (replayed from the log at start). */
const UNKNOWN_EVENT_BYTES = 1024;

/** What became of a batch the writer sent. */
type SendOutcome = 'written' | 'spooled' | 'rejected';

export interface EventQueueStats {
  /** Events waiting in memory. */
  queued: number;
  /** Events in the local event log not yet acknowledged by the store or the spool. */
  logPending: number;
  written: number;
  /** Events moved to the disk spool, in total. */
  spooled: number;
  /** Spooled events later written to the sink. */
  replayed: number;
  dropped: number;
  failedWrites: number;
  /** Events on disk in the spool now, waiting for the store, in events and in batches. */
  spoolEvents: number;
  spoolBatches: number;
  /** Disk used by the spool (waiting and rejected batches). */
  spoolBytes: number;
  /** Events the store refused for good, moved aside to `rejected/` (or dropped without a spool). */
  rejectedEvents: number;
  rejectedBatches: number;
  /** Disk errors of the event log and spool by errno code (ENOSPC, EIO, …). */
  diskErrors: Readonly<Record<string, number>>;
}

export interface EventQueue {
  /**
   * Takes an event: appends it to the event log (written with the others of the same event-loop
   * turn; `whenLogged` says when) and queues it. Never blocks on the network and never throws.
   */
  push(event: RequestEvent): void;
  /**
   * Runs `then` once the events pushed so far are in the event log's file (at once without a
   * log): the route sends an answer's final bytes from here, so the client never sees a
   * complete answer whose event a crash could lose.
   */
  whenLogged(then: () => void): void;
  /** Sends what is queued (and what is spooled, if the sink takes it) and waits for it. */
  flush(): Promise<void>;
  stats(): EventQueueStats;
  /** Stops the timer and drains the queue; what the sink will not take goes to the spool. */
  close(): Promise<void>;
}

interface Entry {
  /** The event object; null when only its JSON line is kept (the sink takes JSON, see EventSink.writeJsonLines). */
  event: RequestEvent | null;
  /** Where the event sits in the log; null when it is not in the log (no log, or a disk error). */
  position: LogPosition | null;
  /** The event's JSON and a newline, the bytes the log holds; absent for events replayed from the log at start. */
  line?: Buffer;
}

/** The batch's events as objects, parsed back from their JSON where only that was kept. */
function eventsOf(batch: readonly Entry[]): RequestEvent[] {
  return batch.map((entry) => entry.event ?? (JSON.parse(entry.line!.toString('utf8')) as RequestEvent));
}

/**
 * The bounded in-memory queue between requests and the event store. Requests push and move on;
 * one writer sends batches in order. Every event is first appended to the event log, and the
 * log is acknowledged as batches reach the store or the spool, so a crash loses nothing the
 * log holds: the next start replays it. A failed batch keeps its id and is retried with
 * backoff, so the store's deduplication makes a retry after a lost acknowledgement harmless. A
 * batch that keeps failing moves to the disk spool and is replayed, oldest first and under the
 * same id, once the store answers again. A batch the store refuses for its content (a poison
 * batch) is moved aside to `rejected/` and the queue goes on with the next one. Only when the
 * queue and the spool are both full are events dropped: counted and logged as errors.
 */
export function createEventQueue(options: EventQueueOptions): EventQueue {
  const queue: Entry[] = [];
  const stats = { written: 0, spooled: 0, replayed: 0, dropped: 0, failedWrites: 0, rejectedEvents: 0, rejectedBatches: 0 };
  const spool = options.spool ?? null;
  const log = options.log ?? null;
  const spoolAfter = options.spoolAfterFailures ?? 3;
  const retryBaseMs = options.retryBaseMs ?? 200;
  const batchMaxBytes = options.batchMaxBytes ?? BATCH_MAX_BYTES;
  /** A sink that takes JSON lines needs no event objects: waiting events keep only their line. */
  const keepObjects = options.sink.writeJsonLines === undefined;
  /** JSON bytes of the queued events: a full batch by bytes is sent at once, as one full by count. */
  let queuedBytes = 0;
  let timer: NodeJS.Timeout | null = null;
  let writing: Promise<void> | null = null;
  let closed = false;
  /** Events at the front of the queue that the writer is sending now: never moved to the spool. */
  let sending = 0;
  /** A full queue's newest batch on its way to the spool (overflowToSpool); acknowledgements wait for it. */
  let overflowing: Promise<void> | null = null;
  /** Failed tries since the store last answered, across batches; > 0 once a batch was spooled (an outage). */
  let outageFailures = 0;
  /** Retries per batch before giving up: unbounded while running, a few once closing. */
  let retryLimit = Number.POSITIVE_INFINITY;
  const lastLog = { drop: 0, spoolFull: 0, replay: 0 };

  function schedule(): void {
    if (timer !== null || closed) return;
    timer = setTimeout(() => {
      timer = null;
      void drain().catch(() => undefined);
    }, options.flushIntervalMs);
    timer.unref();
  }

  function logRarely(kind: keyof typeof lastLog, log: () => void): void {
    const now = Date.now();
    if (now - lastLog[kind] < 5_000) return;
    lastLog[kind] = now;
    log();
  }

  /**
   * A batch read from one contiguous stretch of the log gets an id naming that stretch, in this
   * log (its id: other data planes' logs have the same positions): after a crash the same stretch
   * is sent again under the same id, and the store drops the duplicate.
   */
  function batchIdOf(batch: readonly Entry[]): string {
    const first = batch[0]?.position;
    const last = batch.at(-1)?.position;
    if (log === null || first == null || last == null || last.seq - first.seq !== batch.length - 1) return randomUUID();
    return `log-${log.id}-${first.segment}-${first.offset}-${last.segment}-${last.offset}`;
  }

  /** Acknowledges the batch in the log: it is in the store, the spool or `rejected/`. */
  function acknowledge(batch: readonly Entry[]): void {
    for (let i = batch.length - 1; i >= 0; i--) {
      const position = batch[i]!.position;
      if (position !== null) {
        log?.acknowledge(position);
        return;
      }
    }
  }

  /** A batch the store can never take: moved aside (kept for an operator), logged once with the reason. */
  async function moveAside(batchId: string, events: RequestEvent[], reason: string): Promise<void> {
    stats.rejectedBatches++;
    stats.rejectedEvents += events.length;
    let kept = false;
    if (spool !== null) {
      kept = await spool.reject({ batchId, events }, reason).catch((err: unknown) => {
        options.diskErrors?.record(err, 'event spool reject');
        return false;
      });
    }
    options.logger.error(
      { batchId, events: events.length, reason, movedTo: kept ? 'rejected/' : null },
      kept ? 'event store refused a batch for good: moved aside to rejected/' : 'event store refused a batch for good: dropped (no room to keep it)',
    );
  }

  /**
   * Sends one batch, retrying; moves it to the spool after `spoolAfter` failures. During an
   * outage (an earlier batch was spooled) the batch first waits for the outage's next try and is
   * spooled after one failure: the store is known to be down.
   */
  async function send(batch: Entry[]): Promise<SendOutcome> {
    const batchId = batchIdOf(batch);
    // Serialised once per event (at push): the sink ships those bytes when every event has them.
    const lines = batch.every((entry) => entry.line !== undefined) ? batch.map((entry) => entry.line!) : undefined;
    // Objects only for a sink that reads them, or for the spool and rejected/ (failures only).
    let events: RequestEvent[] | null = null;
    const objects = () => (events ??= eventsOf(batch));
    const pause = (failures: number) => new Promise((resolve) => setTimeout(resolve, Math.min(retryBaseMs * 2 ** (failures - 1), outageFailures > 0 ? OUTAGE_RETRY_MAX_MS : 30_000)));
    if (outageFailures > 0 && !closed) await pause(outageFailures);
    for (let attempt = 1; ; attempt++) {
      try {
        if (lines !== undefined && options.sink.writeJsonLines) await options.sink.writeJsonLines(batchId, lines);
        else await options.sink.write(batchId, objects(), lines);
        stats.written += batch.length;
        outageFailures = 0;
        return 'written';
      } catch (err) {
        if (err instanceof PermanentEventError) {
          await moveAside(batchId, objects(), err.message);
          return 'rejected';
        }
        stats.failedWrites++;
        const inOutage = outageFailures > 0;
        if (inOutage) outageFailures++;
        if (spool !== null && (inOutage || attempt >= spoolAfter) && (await spoolBatch(batchId, objects(), err))) {
          outageFailures = Math.max(outageFailures, attempt);
          return 'spooled';
        }
        if (attempt > retryLimit) throw err;
        const delay = Math.min(retryBaseMs * 2 ** (attempt - 1), 30_000);
        options.logger.warn({ batchId, events: batch.length, attempt, retryInMs: delay, reason: (err as Error).message }, 'event batch write failed');
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
    }
  }

  /** Puts a batch in the spool; false (and the right alarm) when the cap or the disk says no. */
  async function spoolBatch(batchId: string, events: RequestEvent[], sinkError: unknown, message = 'event store unreachable: batch spooled to disk'): Promise<boolean> {
    try {
      if (await spool!.put({ batchId, events })) {
        stats.spooled += events.length;
        options.logger.warn({ batchId, events: events.length, reason: (sinkError as Error).message }, message);
        return true;
      }
      logRarely('spoolFull', () => options.logger.error({ spool: spool!.usage() }, 'event spool full (EVENT_SPOOL_MAX_BYTES reached): keeping events in memory'));
    } catch (err) {
      options.diskErrors?.record(err, 'event spool write');
    }
    return false;
  }

  /**
   * Writes spooled batches back, oldest first, REPLAY_IN_FLIGHT at a time (each under its own id,
   * so the store's deduplication still holds), for at most `rounds` rounds or until the spool is
   * empty; throws once a round met a transient failure (what was written is removed first).
   */
  async function replaySpool(rounds = Number.POSITIVE_INFINITY): Promise<void> {
    if (spool === null) return;
    for (let round = 0; round < rounds; round++) {
      const batches = await spool.oldestBatches(REPLAY_IN_FLIGHT);
      if (batches.length === 0) return;
      const results = await Promise.allSettled(batches.map((batch) => options.sink.write(batch.batchId, batch.events)));
      let transient: unknown = null;
      for (const [i, result] of results.entries()) {
        const batch = batches[i]!;
        if (result.status === 'fulfilled') {
          await spool.remove(batch.batchId);
          stats.replayed += batch.events.length;
        } else if (result.reason instanceof PermanentEventError) {
          await moveAside(batch.batchId, batch.events, result.reason.message);
        } else {
          transient ??= result.reason;
        }
      }
      if (transient !== null) throw transient;
      outageFailures = 0;
    }
  }

  /** Counts `count` lost events and says so (at most every few seconds). */
  function drop(count: number, message: string): void {
    stats.dropped += count;
    logRarely('drop', () => options.logger.error({ dropped: stats.dropped, maxQueued: options.maxQueued }, message));
  }

  /**
   * The queue is full while the store keeps answering, only slower than events arrive (an
   * overloaded ingest, a ledger that cannot keep up): the newest waiting batch moves to the disk
   * spool, which the writer replays as it catches up, instead of new events being dropped. Its
   * events stay in the event log until the writer's acknowledgements pass them, and those wait
   * for the spool to have them. False (the new event is dropped) without a spool, with nothing
   * but the batch in flight waiting, or while the last move is still being written. If the spool
   * refuses the batch (full, a disk error), its events are dropped and counted like new ones.
   */
  function overflowToSpool(): boolean {
    if (spool === null || overflowing !== null) return false;
    const count = Math.min(options.batchSize, queue.length - sending);
    if (count <= 0) return false;
    const taken = queue.splice(queue.length - count, count);
    for (const entry of taken) queuedBytes -= entryBytes(entry);
    const events = eventsOf(taken);
    const why = new Error(`event queue full (EVENT_QUEUE_MAX ${options.maxQueued}): the store takes events slower than they arrive`);
    overflowing = spoolBatch(batchIdOf(taken), events, why, 'event queue full: its newest batch spooled to disk')
      .then((kept) => {
        if (!kept) drop(events.length, 'event queue full and the spool refused its overflow: dropping request events');
      })
      .finally(() => {
        overflowing = null;
      });
    return true;
  }

  const spoolWaiting = () => spool !== null && spool.usage().batches > 0;

  /** A whole batch waits (by count or by bytes): it goes now, not at the next tick. */
  const fullBatchWaiting = () => queue.length >= options.batchSize || queuedBytes >= batchMaxBytes;

  /**
   * The single writer: fresh events first, and after each fresh batch the store took, a round of
   * the spool backlog, so a backlog drains under steady load too (not only once the queue runs
   * empty); then the rest of the backlog.
   *
   * A tick (the timer, or a full batch) sends the batch that is due, then further batches only
   * while a whole one waits: what arrived during the send waits for the next tick. Sending it at
   * once would make each batch only as large as what arrives during one insert, and an insert
   * costs ClickHouse nearly the same at 500 events as at 10,000 (a part per table and view, then
   * merges): under load the writer would chase its own tail in ever smaller, costlier batches.
   * `all` (flush, close) sends everything queued.
   */
  function drain(all = false): Promise<void> {
    // `all` waits out a tick's drain (whatever became of it) and then sends the rest.
    if (writing !== null) return all ? writing.catch(() => undefined).then(() => drain(true)) : writing;
    writing = (async () => {
      while (queue.length > 0) {
        const batch = nextBatch();
        sending = batch.length;
        let outcome: SendOutcome;
        try {
          outcome = await send(batch);
        } finally {
          sending = 0;
        }
        queue.splice(0, batch.length);
        for (const entry of batch) queuedBytes -= entryBytes(entry);
        // The log's acknowledgement covers every earlier position, the overflow's among them:
        // it waits until they are in the spool.
        if (overflowing !== null) await overflowing;
        acknowledge(batch);
        if (outcome === 'written' && spoolWaiting()) await replaySpool(1).catch(replayFailed);
        if (!all && !fullBatchWaiting()) break;
      }
      if (spoolWaiting()) await replaySpool().catch(replayFailed);
    })().finally(() => {
      writing = null;
      if (queue.length > 0 || spoolWaiting()) schedule();
    });
    return writing;
  }

  /** The oldest events up to batchSize events or batchMaxBytes of JSON (at least one event). */
  function nextBatch(): Entry[] {
    let bytes = 0;
    let count = 0;
    while (count < queue.length && count < options.batchSize) {
      bytes += entryBytes(queue[count]!);
      if (count > 0 && bytes > batchMaxBytes) break;
      count++;
    }
    return queue.slice(0, count);
  }

  function replayFailed(err: unknown): never {
    failed(err);
    throw err;
  }
  function failed(err: unknown): void {
    stats.failedWrites++;
    logRarely('replay', () => options.logger.warn({ reason: (err as Error).message, spool: spool?.usage() }, 'spooled events not replayed yet'));
  }

  // Events the previous process logged but never saw acknowledged come first, then its spool.
  if (log !== null) {
    for (const entry of log.takeReplay()) {
      queue.push(entry);
      queuedBytes += UNKNOWN_EVENT_BYTES;
    }
  }
  if (queue.length > 0 || (spool !== null && spool.usage().batches > 0)) schedule();

  return {
    push(event) {
      if (queue.length >= options.maxQueued && !overflowToSpool()) return drop(1, 'event queue full: dropping request events');
      const line = jsonLine(event);
      queue.push({ event: keepObjects ? event : null, position: log?.append(line) ?? null, line });
      queuedBytes += line.length;
      if (fullBatchWaiting() && writing === null) void drain().catch(() => undefined);
      else schedule();
    },
    whenLogged(then) {
      if (log === null) then();
      else log.whenWritten(then);
    },
    flush: () => drain(true),
    stats() {
      const usage = spool?.usage();
      return {
        ...stats,
        queued: queue.length,
        logPending: log?.stats().pendingEvents ?? 0,
        spoolEvents: usage?.events ?? 0,
        spoolBatches: usage?.batches ?? 0,
        spoolBytes: usage?.bytes ?? 0,
        rejectedEvents: stats.rejectedEvents,
        rejectedBatches: stats.rejectedBatches,
        diskErrors: options.diskErrors?.counts() ?? {},
      };
    },
    async close() {
      closed = true;
      if (timer !== null) clearTimeout(timer);
      timer = null;
      retryLimit = 3;
      try {
        await drain(true);
      } catch (err) {
        const lost = queue.length;
        if (lost > 0) {
          options.logger.error(
            { lost, inLog: log !== null, reason: (err as Error).message },
            log !== null ? 'request events not delivered at shutdown: kept in the event log for the next start' : 'could not write or spool the last request events at shutdown',
          );
        }
      }
    },
  };
}

/**
 * The event's JSON and a newline, as bytes: the JSON string dies young, its bytes (outside the
 * heap) serve the log and the sink. Encoded straight into the Buffer: appending the newline to
 * the string first made V8 copy the whole JSON into a flat string for the encoder (~1 KB per
 * request of garbage, issue 11).
 */
export function jsonLine(event: RequestEvent): Buffer {
  const json = JSON.stringify(event);
  const length = Buffer.byteLength(json);
  const line = Buffer.allocUnsafe(length + 1);
  line.write(json, 0, length, 'utf8');
  line[length] = 0x0a;
  return line;
}

/** Bytes of a queued event's JSON line. */
function entryBytes(entry: Entry): number {
  return entry.line?.length ?? UNKNOWN_EVENT_BYTES;
}
