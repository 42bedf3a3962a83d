/**
 * `pnpm bench` (alone: `BENCH_ONLY=events npx -y pnpm@10.34.9 bench`, or
 * `npx -y pnpm@10.34.9 --filter @proxystacks/controlplane exec tsx bench/event-ingest.ts`):
 * issue 11's "events cheap end to end". Pushes BENCH_EVENTS (100,000) realistic request events
 * (bench/realistic-events.ts) through the real path: this process plays the data plane (its
 * event pipeline: the crash-safe event log, the queue, the control plane sink, batches of
 * BENCH_EVENT_BATCH, by default the data plane's EVENT_BATCH_SIZE default) and a real `relay controlplane` child
 * (PGlite, or Postgres with BENCH_DATABASE_URL; chDB in its process) ingests them: validation,
 * batch-id memory, the ClickHouse insert (rollup views included), the ledger debits of the
 * priced ones. Two runs on the same processes: no event priced (the event path alone), then one
 * in BENCH_PRICED_EVERY (10) priced (the ledger's share). Reports events/s sustained and CPU ms per 1,000
 * events of each process from /proc/<pid>/stat (all threads: chDB's insert and merge threads
 * count in the control plane's), the control plane's CPU after the last batch (background
 * merges) separately. The control plane's CPU at rest (timers, chDB's own background threads),
 * measured before the runs, is left out of every window and reported apart: it is spent with no
 * events at all, and counting it made the figures depend on how long the run waited. Writes
 * bench/results/event-ingest.{json,md}. BENCH_CPU_PROF=1 profiles both processes and prints
 * where their CPU went.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { summarizeCpuProfiles } from '../../dataplane/bench/cpu-profile-summary.ts';
import { readCpuMs, readThreadCpuMs, threadCpuPer1000 } from '../../dataplane/bench/proc-cpu.ts';
import { createControlplaneSink } from '@proxystacks/dataplane/events/controlplane-sink';
import { openEventPipeline } from '@proxystacks/dataplane/events/open-event-pipeline';
import { loadDataplaneConfig } from '@proxystacks/dataplane/config';
import { connectToControlplane, spawnRelay } from '../test/e2e/relay-process.ts';
import { clusterSecrets, stopOrKill } from '../test/support/multi-plane.ts';
import type { RequestEvent } from '@proxystacks/shared/events/request-event';
import { createRealisticEvents, type EventTenant } from './realistic-events.ts';
import { positiveEnvInt } from '../../dataplane/bench/env-int.ts';

// BENCH_ONLY selects one benchmark of `pnpm bench`: this one runs in a full run and with BENCH_ONLY=events.
if (!['', 'events'].includes(process.env.BENCH_ONLY ?? '')) process.exit(0);

const here = import.meta.dirname;
const EVENTS = positiveEnvInt('BENCH_EVENTS', 100_000);
/** The data plane's own default (EVENT_BATCH_SIZE) unless BENCH_EVENT_BATCH says otherwise. */
const BATCH = positiveEnvInt('BENCH_EVENT_BATCH', loadDataplaneConfig({ RELAY_INTERNAL_TOKEN: 'x'.repeat(32), RELAY_KEY_SECRET: 'x'.repeat(32) }).eventBatchSize);
const PRICED_EVERY = positiveEnvInt('BENCH_PRICED_EVERY', 10);
/** Events the bench lets wait in the queue before it pauses pushing (the queue's own cap is far above). */
const MAX_WAITING = Math.max(20 * BATCH, 10_000);
const profileDir = process.env.BENCH_CPU_PROF === '1' ? mkdtempSync(join(tmpdir(), 'relay-bench-events-prof-')) : null;
const command = `BENCH_ONLY=events BENCH_EVENTS=${EVENTS} BENCH_EVENT_BATCH=${BATCH} npx -y pnpm@10.34.9 bench`;
const log = (message: string) => process.stderr.write(`[bench events] ${message}\n`);

const secrets = clusterSecrets();
const controlplaneDir = mkdtempSync(join(tmpdir(), 'relay-bench-events-cp-'));
const dataplaneDir = mkdtempSync(join(tmpdir(), 'relay-bench-events-dp-'));
const controlplane = spawnRelay(
  'controlplane',
  {
    ...secrets,
    RELAY_DATA_DIR: controlplaneDir,
    CONTROLPLANE_PORT: '0',
    ...(process.env.BENCH_DATABASE_URL ? { DATABASE_URL: process.env.BENCH_DATABASE_URL } : {}),
  },
  [],
  profileDir === null ? [] : ['--cpu-prof', '--cpu-prof-dir', join(profileDir, 'controlplane')],
);
const selfProfile = profileDir === null ? null : await startSelfProfile();
const logger = pino({ level: 'warn' });
try {
  const { url, graphql } = await connectToControlplane(controlplane);
  const tenant = await benchTenant(graphql);
  const config = loadDataplaneConfig({ RELAY_DATA_DIR: dataplaneDir, CONTROLPLANE_URL: url, RELAY_INTERNAL_TOKEN: secrets.RELAY_INTERNAL_TOKEN, RELAY_KEY_SECRET: secrets.RELAY_KEY_SECRET, EVENT_BATCH_SIZE: String(BATCH) });
  const sink = createControlplaneSink({ controlplaneUrl: url, internalToken: secrets.RELAY_INTERNAL_TOKEN });
  const pipeline = await openEventPipeline({ config, sink, logger });
  const cpPid = controlplane.child.pid!;
  const idleMsPerSecond = await idleCpuRate(cpPid);
  log(`control plane at rest: ${round(idleMsPerSecond, 1)} ms CPU per second`);

  /** Pushes `count` events from `next` through the pipeline and waits until the control plane took them all. */
  const push = async (count: number, next: () => RequestEvent) => {
    for (let i = 0; i < count; i++) {
      pipeline.events.push(next());
      // The data plane pushes as requests end; the bench pushes as fast as the writer keeps up.
      // stats() reads the spool's and the log's counters too: asked every 100 events, not per event.
      if (i % 100 === 99 && pipeline.events.stats().queued >= MAX_WAITING) await waitForQueueBelow(pipeline.events, MAX_WAITING / 2);
    }
    await pipeline.events.flush();
  };
  const per1k = (ms: number) => round((ms / EVENTS) * 1000, 1);
  /** One measured run: events priced one in `pricedEvery` (null: none, so no ledger work). */
  const measure = async (name: string, pricedEvery: number | null): Promise<ScenarioResult> => {
    const next = createRealisticEvents(tenant, { dataplaneId: 'bench-dataplane', pricedEvery: pricedEvery ?? Number.POSITIVE_INFINITY });
    log(`${name}: warm-up 5,000 events, then ${EVENTS} in batches of ${BATCH}`);
    await push(5_000, next);
    await cpuOnceQuiet(cpPid, idleMsPerSecond);
    const threadsBefore = readThreadCpuMs(cpPid);
    const cpBefore = readCpuMs(cpPid)!;
    const dpBefore = readCpuMs(process.pid)!;
    const started = performance.now();
    await push(EVENTS, next);
    const wallMs = performance.now() - started;
    const cpAtEnd = readCpuMs(cpPid)!;
    const dpAtEnd = readCpuMs(process.pid)!;
    const quiet = await cpuOnceQuiet(cpPid, idleMsPerSecond);
    const cpAfter = quiet.cpuMs;
    // What the control plane spends at rest (timers, chDB's background threads) is not the events'.
    const idleDuring = (idleMsPerSecond * wallMs) / 1000;
    const idleAfter = (idleMsPerSecond * quiet.waitedMs) / 1000;
    const result: ScenarioResult = {
      name,
      pricedEvery,
      wallMs: Math.round(wallMs),
      eventsPerSecond: Math.round(EVENTS / (wallMs / 1000)),
      cpuMsPer1000: {
        dataplane: per1k(dpAtEnd - dpBefore),
        controlplane: per1k(Math.max(0, cpAtEnd - cpBefore - idleDuring)),
        controlplaneAfter: per1k(Math.max(0, cpAfter - cpAtEnd - idleAfter)),
        total: per1k(dpAtEnd - dpBefore + Math.max(0, cpAfter - cpBefore - idleDuring - idleAfter)),
      },
      controlplaneIdleMsPerSecond: round(idleMsPerSecond, 1),
      controlplaneThreadsMsPer1000: threadCpuPer1000(threadsBefore, readThreadCpuMs(cpPid), EVENTS),
    };
    log(JSON.stringify(result));
    return result;
  };
  const scenarios = [await measure('events into ClickHouse (none priced: no ledger work)', null), await measure(`events + ledger (one in ${PRICED_EVERY} priced)`, PRICED_EVERY)];
  const stats = pipeline.events.stats();
  await pipeline.close();
  if (stats.rejectedEvents > 0 || stats.spooled > 0 || stats.dropped > 0) throw new Error(`events not written cleanly: ${JSON.stringify(stats)}`);
  const database = process.env.BENCH_DATABASE_URL ? 'postgres' : 'pglite';
  const markdown = render({ events: EVENTS, batchSize: BATCH, database, scenarios });
  mkdirSync(join(here, 'results'), { recursive: true });
  writeFileSync(join(here, 'results', 'event-ingest.json'), `${JSON.stringify({ command, date: new Date().toISOString(), events: EVENTS, batchSize: BATCH, database, written: stats.written, scenarios }, null, 2)}\n`);
  writeFileSync(join(here, 'results', 'event-ingest.md'), markdown);
  process.stdout.write(`\n${markdown}\n`);
} finally {
  await stopOrKill(controlplane);
  rmSync(controlplaneDir, { recursive: true, force: true });
  rmSync(dataplaneDir, { recursive: true, force: true });
  if (profileDir !== null && selfProfile !== null) {
    mkdirSync(join(profileDir, 'dataplane'), { recursive: true });
    writeFileSync(join(profileDir, 'dataplane', 'bench.cpuprofile'), await selfProfile.stop());
    for (const part of ['dataplane', 'controlplane']) {
      process.stdout.write(`\n${part}: ${summarizeCpuProfiles(join(profileDir, part), 30)}\n`);
    }
    process.stdout.write(`(profiles in ${profileDir})\n`);
  }
}

/** The seeded organisation and a fresh key's project, team and environment: the events' tenant. */
async function benchTenant(graphql: Awaited<ReturnType<typeof connectToControlplane>>['graphql']): Promise<EventTenant> {
  const { organization } = await graphql<{ organization: { id: string } }>('{ organization { id } }');
  const { createKey } = await graphql<{ createKey: { key: { id: string; project: { id: string }; team: { id: string }; environment: { id: string; name: string } } } }>(
    'mutation($input: CreateKeyInput!) { createKey(input: $input) { key { id project { id } team { id } environment { id name } } } }',
    { input: { name: 'bench-events' } },
  );
  const key = createKey.key;
  return { orgId: organization.id, projectId: key.project.id, teamId: key.team.id, keyId: key.id, environmentId: key.environment.id, environment: key.environment.name };
}

/** Profiles this process (the data plane side) with the inspector; stop() returns the .cpuprofile JSON. */
async function startSelfProfile(): Promise<{ stop(): Promise<string> }> {
  const session = new Session();
  session.connect();
  const post = (method: string) => new Promise<unknown>((resolve, reject) => session.post(method, (err, result) => (err ? reject(err) : resolve(result))));
  await post('Profiler.enable');
  await post('Profiler.start');
  return {
    async stop() {
      const { profile } = (await post('Profiler.stop')) as { profile: unknown };
      session.disconnect();
      return JSON.stringify(profile);
    },
  };
}

async function waitForQueueBelow(queue: { stats(): { queued: number } }, count: number): Promise<void> {
  while (queue.stats().queued >= count) await new Promise((resolve) => setTimeout(resolve, 2));
}

/**
 * The control plane's CPU per second at rest (its timers, chDB's background threads), over 4 s
 * after 3 s to settle: subtracted from the measured windows (it is spent with no events too)
 * and reported apart.
 */
async function idleCpuRate(pid: number): Promise<number> {
  await new Promise((resolve) => setTimeout(resolve, 3_000));
  const before = readCpuMs(pid)!;
  const started = performance.now();
  await new Promise((resolve) => setTimeout(resolve, 4_000));
  return ((readCpuMs(pid)! - before) * 1000) / (performance.now() - started);
}

/**
 * The process's CPU once it has stopped working on the events (background merges done: a 500 ms
 * window within 10 ms of its rate at rest), at most 30 s on, and how long that took.
 */
async function cpuOnceQuiet(pid: number, idleMsPerSecond: number): Promise<{ cpuMs: number; waitedMs: number }> {
  const started = performance.now();
  const quietMs = idleMsPerSecond / 2 + 10;
  let last = readCpuMs(pid)!;
  for (let i = 0; i < 60; i++) {
    await new Promise((resolve) => setTimeout(resolve, 500));
    const now = readCpuMs(pid)!;
    if (now - last < quietMs) return { cpuMs: now, waitedMs: performance.now() - started };
    last = now;
  }
  return { cpuMs: last, waitedMs: performance.now() - started };
}

/** One measured run of {@link measure}. */
interface ScenarioResult {
  name: string;
  pricedEvery: number | null;
  wallMs: number;
  eventsPerSecond: number;
  cpuMsPer1000: { dataplane: number; controlplane: number; controlplaneAfter: number; total: number };
  /** The control plane's CPU at rest, measured before the runs and left out of cpuMsPer1000. */
  controlplaneIdleMsPerSecond: number;
  controlplaneThreadsMsPer1000: Record<string, number>;
}

function render(r: { events: number; batchSize: number; database: string; scenarios: readonly ScenarioResult[] }): string {
  const row = (label: string, cell: (s: ScenarioResult) => string | number, target = '') => `| ${label} | ${r.scenarios.map((s) => cell(s)).join(' | ')} | ${target} |`;
  return [
    '# Events end to end: data plane → control plane ingest → chDB (issue 11)',
    '',
    `${new Date().toISOString()} · ${r.database} · ${r.events} events a run in batches of ${r.batchSize}. Command: \`${command}\``,
    '',
    `| measure | ${r.scenarios.map((s) => s.name).join(' | ')} | target |`,
    `| --- | ${r.scenarios.map(() => '---:').join(' | ')} | ---: |`,
    row('events/s sustained into ClickHouse', (s) => s.eventsPerSecond, '≥ 50,000'),
    row('data plane CPU per 1,000 events (event log, queue, sink; building the events)', (s) => `${s.cpuMsPer1000.dataplane} ms`),
    row('control plane CPU per 1,000 events (ingest, validation, chDB insert, ledger)', (s) => `${s.cpuMsPer1000.controlplane} ms`),
    row('control plane CPU per 1,000 events after the last batch (background merges)', (s) => `${s.cpuMsPer1000.controlplaneAfter} ms`),
    row('**total CPU per 1,000 events, all processes**', (s) => `**${s.cpuMsPer1000.total} ms**`, '≤ 25 ms'),
    row('control plane CPU at rest, left out of the rows above', (s) => `${s.controlplaneIdleMsPerSecond} ms/s`),
    ...r.scenarios.map((s) => `\n${s.name}, control plane CPU per 1,000 events by thread (at rest included; node = the JavaScript thread: ingest, validation, Prisma and PGlite for the ledger; the others are chDB's: query pipeline (Unknown, ThreadPool), merges (MergeMutate)): ${Object.entries(s.controlplaneThreadsMsPer1000).map(([name, ms]) => `${name} ${ms} ms`).join(', ')}.`),
    '',
    'CPU from /proc/<pid>/stat (utime + stime, all threads) of each process; the data plane side is the bench process itself, which also builds the events (as the data plane does when a request ends). Wall time from the first push to the last batch acknowledged. The machine is shared (2 cores, other work running): CPU per event is the steadier figure, events/s depends on what else ran.',
    '',
  ].join('\n');
}

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
