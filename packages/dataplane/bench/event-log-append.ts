/**
 * Per-request cost of the event log: how long `EventQueue.push` takes with the log (one write
 * syscall per event, fsync every EVENT_LOG_FSYNC_MS) against memory only, and with an fsync per
 * event. Run: `npx tsx packages/dataplane/bench/event-log-append.ts [events]` (from the repo root).
 * The sink never answers, so only the push path is measured.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { testRequestEvent } from '@proxystacks/shared/events/test-request-event';
import { createDiskErrors } from '../src/events/disk-errors.ts';
import { openEventLog } from '../src/events/event-log.ts';
import { createEventQueue } from '../src/events/event-queue.ts';

const logger = pino({ level: 'silent' });
const events = Number(process.argv[2] ?? 50_000);
const sample = Array.from({ length: 1_000 }, () => testRequestEvent({ prompt_tokens: 123, completion_tokens: 456, latency_ms: 789 }));

async function run(label: string, fsyncIntervalMs: number | null, count: number): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'relay-bench-log-'));
  const log = fsyncIntervalMs === null ? null : await openEventLog({ dir, fsyncIntervalMs, diskErrors: createDiskErrors(logger), logger });
  const queue = createEventQueue({ sink: { write: () => new Promise(() => {}) }, batchSize: 10_000_000, flushIntervalMs: 3_600_000, maxQueued: 10_000_000, logger, log });
  const started = process.hrtime.bigint();
  for (let i = 0; i < count; i++) queue.push(sample[i % sample.length]!);
  const ns = Number(process.hrtime.bigint() - started);
  console.log(`${label.padEnd(34)} ${(ns / count / 1000).toFixed(2).padStart(8)} µs/event  (${count} events)`);
  await log?.close();
  await rm(dir, { recursive: true, force: true });
}

await run('memory only (before)', null, events);
await run('log, fsync every 200 ms (default)', 200, events);
await run('log, fsync every 1000 ms', 1_000, events);
await run('log, fsync per event (0)', 0, Math.min(events, 2_000));
