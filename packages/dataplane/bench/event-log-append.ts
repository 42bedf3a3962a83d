/**
 * Per-request cost of the event log: how long `EventQueue.push` takes with the log (one write
 * syscall per event, fsync every EVENT_LOG_FSYNC_MS) against memory only, and with an fsync per
 * event. Part of `pnpm bench`; alone: `npx tsx packages/dataplane/bench/event-log-append.ts [events]`.
 * The sink never answers, so only the push path is measured. Writes bench/results/event-log.{json,md}.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { testRequestEvent } from '@proxystacks/shared/events/test-request-event';
import { createDiskErrors } from '../src/events/disk-errors.ts';
import { openEventLog } from '../src/events/event-log.ts';
import { createEventQueue } from '../src/events/event-queue.ts';

// BENCH_ONLY (floor, events) selects one benchmark of `pnpm bench`: this one runs only in a full run.
if ((process.env.BENCH_ONLY ?? '') !== '') process.exit(0);

const logger = pino({ level: 'silent' });
const events = Number(process.argv[2] ?? 50_000);
const sample = Array.from({ length: 1_000 }, () => testRequestEvent({ prompt_tokens: 123, completion_tokens: 456, latency_ms: 789 }));

interface Row {
  label: string;
  fsyncIntervalMs: number | null;
  events: number;
  microsPerEvent: number;
}
const rows: Row[] = [];

async function run(label: string, fsyncIntervalMs: number | null, count: number): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'relay-bench-log-'));
  const log = fsyncIntervalMs === null ? null : await openEventLog({ dir, fsyncIntervalMs, diskErrors: createDiskErrors(logger), logger });
  const queue = createEventQueue({ sink: { write: () => new Promise(() => {}) }, batchSize: 10_000_000, flushIntervalMs: 3_600_000, maxQueued: 10_000_000, logger, log });
  const started = process.hrtime.bigint();
  for (let i = 0; i < count; i++) queue.push(sample[i % sample.length]!);
  const ns = Number(process.hrtime.bigint() - started);
  const microsPerEvent = Number((ns / count / 1000).toFixed(2));
  rows.push({ label, fsyncIntervalMs, events: count, microsPerEvent });
  console.log(`${label.padEnd(34)} ${String(microsPerEvent).padStart(8)} µs/event  (${count} events)`);
  await log?.close();
  await rm(dir, { recursive: true, force: true });
}

await run('memory only (before)', null, events);
await run('log, fsync every 200 ms (default)', 200, events);
await run('log, fsync every 1000 ms', 1_000, events);
await run('log, fsync per event (0)', 0, Math.min(events, 2_000));

const results = { date: new Date().toISOString(), node: process.version, rows };
const dir = join(import.meta.dirname, 'results');
await mkdir(dir, { recursive: true });
await writeFile(join(dir, 'event-log.json'), `${JSON.stringify(results, null, 2)}\n`);
await writeFile(
  join(dir, 'event-log.md'),
  [
    '# Event log: cost of a crash-safe event per request',
    '',
    `${results.date} · Node ${results.node} · \`EventQueue.push\` in a loop, sink never answering (push path only)`,
    '',
    '| Mode | µs per event | events |',
    '|---|--:|--:|',
    ...rows.map((r) => `| ${r.label} | ${r.microsPerEvent} | ${r.events} |`),
    '',
  ].join('\n'),
);
