import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QUERY_LIMITS } from '../src/graphql/query-limits.ts';
import { startRelay, type RunningRelay } from '../src/runtime/start-relay.ts';
import { spawnRelay, type RelayProcess } from './e2e/relay-process.ts';

/**
 * Issue 6, item 5: in `relay start` an admin's GraphQL work must not starve the data plane.
 * The relay is started exactly as `relay start` does (startRelay: PGlite and chDB in a temp
 * dir, ports 0). While an admin runs a heavy workload that stays within the GraphQL limits,
 * a prober times /healthz and a chat completion on the data plane back to back.
 *
 * Before the fix both planes shared one event loop, and PGlite (WebAssembly, on that loop) ran
 * every admin query there: measured on the shared two-core box, the prober completed 4 pairs in
 * 12 s of list queries and 1 pair in 5 s of mutations (a mean of 1.5–5 s per pair, worst 4.6 s).
 * With the data plane in its own process it completed hundreds (mean ~25 ms per pair). The
 * bound on the mean is ~10x what the fix needs and ~10x under what the shared loop showed; the
 * worst single pair is only guarded loosely, because on a box running several test suites at
 * once an idle relay already shows single spikes of half a second.
 */
const MAX_MEAN_PAIR_MS = 300;
const MAX_WORST_PAIR_MS = 10_000;

/** The prober's source (CommonJS, evaluated in a worker thread): sequential requests, each timed. */
const PROBER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
let stopped = false;
parentPort.on('message', () => (stopped = true));
(async () => {
  const healthzMs = [], chatMs = [], failures = [];
  const chatBody = JSON.stringify({ model: 'relay-mini', messages: [{ role: 'user', content: 'ping' }] });
  do {
    let started = performance.now();
    const health = await fetch(workerData.url + '/healthz');
    await health.arrayBuffer();
    healthzMs.push(performance.now() - started);
    if (health.status !== 200) failures.push('healthz ' + health.status);
    started = performance.now();
    const chat = await fetch(workerData.url + '/v1/chat/completions', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer ' + workerData.key },
      body: chatBody,
    });
    await chat.arrayBuffer();
    chatMs.push(performance.now() - started);
    if (chat.status !== 200) failures.push('chat ' + chat.status);
  } while (!stopped);
  parentPort.postMessage({ healthzMs, chatMs, failures });
})();
`;

interface GraphQLBody {
  data?: Record<string, unknown> | null;
  errors?: Array<{ message: string; extensions?: Record<string, unknown> }>;
}

describe('issue 6: admin GraphQL never starves the data plane in one process', () => {
  let relay: RunningRelay;
  let dataDir: string;
  let builds = 0;
  let unsubscribe: () => void = () => undefined;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'relay-issue-6-starvation-'));
    relay = await startRelay({ dataDir, databaseUrl: null, dataplanePort: 0, controlplanePort: 0, seedDemo: true, logLevel: 'warn' });
    unsubscribe = relay.services.publisher.subscribe(() => (builds += 1));
  });

  afterAll(async () => {
    unsubscribe();
    await relay?.close();
    if (dataDir) await rm(dataDir, { recursive: true, force: true, maxRetries: 3 });
  });

  async function graphql(query: string, variables: Record<string, unknown> = {}): Promise<{ status: number; body: GraphQLBody }> {
    const response = await fetch(`${relay.controlplaneUrl}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${relay.adminToken}` },
      body: JSON.stringify({ query, variables }),
    });
    return { status: response.status, body: (await response.json()) as GraphQLBody };
  }

  async function ok(query: string, variables: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
    const { status, body } = await graphql(query, variables);
    if (status !== 200 || body.errors?.length) throw new Error(`GraphQL ${status}: ${JSON.stringify(body.errors ?? body)}`);
    return body.data!;
  }

  async function chat(key: string): Promise<number> {
    const response = await fetch(`${relay.dataplaneUrl}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      body: JSON.stringify({ model: 'relay-mini', messages: [{ role: 'user', content: 'ping' }] }),
    });
    await response.arrayBuffer();
    return response.status;
  }

  /**
   * Times /healthz and a chat completion back to back until `done` settles. The prober runs in a
   * worker thread: this test process also hosts the control plane, so timing from its own event
   * loop would measure that loop's stalls, not the data plane's.
   */
  async function probeDataplaneWhile(done: Promise<unknown>): Promise<{ healthzMs: number[]; chatMs: number[] }> {
    const prober = new Worker(PROBER_SOURCE, { eval: true, workerData: { url: relay.dataplaneUrl, key: relay.demoKey } });
    const results = new Promise<{ healthzMs: number[]; chatMs: number[]; failures: string[] }>((resolve, reject) => {
      prober.once('message', resolve);
      prober.once('error', reject);
    });
    await done.finally(() => prober.postMessage('stop'));
    const { healthzMs, chatMs, failures } = await results;
    await prober.terminate();
    expect(failures).toEqual([]);
    return { healthzMs, chatMs };
  }

  /** `n` aliased copies of `field` in one document (within QUERY_LIMITS.maxAliases). */
  function aliased(n: number, field: (i: number) => string, kind: 'query' | 'mutation' = 'query'): string {
    return `${kind} { ${Array.from({ length: n }, (_, i) => `a${i}: ${field(i)}`).join(' ')} }`;
  }

  it('keeps /healthz and chat completions fast while an admin runs heavy allowed queries and mutations', { timeout: 300_000 }, async () => {
    expect(relay.demoKey).not.toBeNull();
    // Enough keys that listing them is real work for PGlite and for the snapshot rebuilds.
    const perDocument = QUERY_LIMITS.maxAliases;
    for (let round = 0; round < 5; round++) {
      await ok(aliased(perDocument, (i) => `createKey(input: { name: "seed-${round}-${i}" }) { key { id } }`, 'mutation'));
    }

    const listKeys = aliased(perDocument, () => 'keys { id name prefix status createdAt lastUsedAt }');
    const createKeys = (round: number) =>
      aliased(perDocument, (i) => `createKey(input: { name: "load-${round}-${i}" }) { key { id } }`, 'mutation');
    const workload = (async () => {
      for (let round = 0; round < 3; round++) {
        const results = await Promise.all([...Array.from({ length: 4 }, () => graphql(listKeys)), graphql(createKeys(round))]);
        for (const { status, body } of results) expect({ status, errors: body.errors }).toEqual({ status: 200, errors: undefined });
      }
    })();
    const [{ healthzMs, chatMs }] = await Promise.all([probeDataplaneWhile(workload), workload]);

    const pairsMs = healthzMs.map((ms, i) => ms + (chatMs[i] ?? 0));
    const measured = {
      pairs: pairsMs.length,
      meanPairMs: Math.round(pairsMs.reduce((a, b) => a + b, 0) / pairsMs.length),
      worstHealthzMs: Math.round(Math.max(...healthzMs)),
      worstChatMs: Math.round(Math.max(...chatMs)),
    };
    console.info('data plane under admin load:', JSON.stringify(measured));
    expect(measured.meanPairMs).toBeLessThan(MAX_MEAN_PAIR_MS);
    expect(Math.max(...pairsMs)).toBeLessThan(MAX_WORST_PAIR_MS);
  });

  it('refuses a 2,000-alias query before executing it, with QUERY_TOO_COMPLEX', async () => {
    const started = performance.now();
    const { body } = await graphql(aliased(2_000, () => 'keys { id }'));
    const tookMs = performance.now() - started;
    expect(body.data ?? null).toBeNull();
    expect(body.errors).toHaveLength(1);
    expect(body.errors![0]!.extensions).toMatchObject({ code: 'QUERY_TOO_COMPLEX' });
    expect(body.errors![0]!.message).toMatch(/limit of \d+ exceeded/i);
    // Refused while parsing: milliseconds (executing it held the event loop for 21 s in the report).
    expect(tookMs).toBeLessThan(MAX_WORST_PAIR_MS);
  });

  it('refuses a 200-alias mutation document without creating anything', async () => {
    const before = ((await ok('{ keys { id } }')).keys as unknown[]).length;
    const buildsBefore = builds;
    const { body } = await graphql(aliased(200, (i) => `createKey(input: { name: "flood-${i}" }) { key { id } }`, 'mutation'));
    expect(body.data ?? null).toBeNull();
    expect(body.errors?.[0]?.extensions).toMatchObject({ code: 'QUERY_TOO_COMPLEX' });
    expect(((await ok('{ keys { id } }')).keys as unknown[]).length).toBe(before);
    expect(builds).toBe(buildsBefore);
  });

  it('refuses each limit on its own: aliases, depth, cost, directives', async () => {
    const refusedBy = async (query: string) => {
      const { body } = await graphql(query);
      expect(body.data ?? null).toBeNull();
      return (body.errors ?? []).filter((e) => e.extensions?.code === 'QUERY_TOO_COMPLEX').map((e) => e.extensions?.limit);
    };
    expect(await refusedBy(aliased(QUERY_LIMITS.maxAliases + 1, () => 'viewer { id }'))).toEqual(['aliases']);
    // The schema has no cycles deep enough to reach the bound; the limit guards it all the same.
    const deep = `{ keys { ${'team { t { '.repeat(5)}id${' } }'.repeat(5)} } }`;
    expect(await refusedBy(deep)).toContain('depth');
    const directives = `{ viewer { ${Array.from({ length: QUERY_LIMITS.maxDirectives + 1 }, () => 'id @include(if: true)').join(' ')} } }`;
    expect(await refusedBy(directives)).toEqual(['directives']);
    expect(await refusedBy(`{ ${'viewer { id } '.repeat(QUERY_LIMITS.maxTokens)} }`)).toEqual(['tokens']);
    // The console's documents stay far inside every limit; one of its larger ones is answered.
    expect((await graphql('{ keys { id name prefix status createdAt lastUsedAt } }')).status).toBe(200);
  });

  it('publishes one snapshot for a document of many mutations, and each key works the moment its mutation answers', async () => {
    const buildsBefore = builds;
    const data = await ok(aliased(QUERY_LIMITS.maxAliases, (i) => `createKey(input: { name: "batch-${i}" }) { secret }`, 'mutation'));
    expect(builds - buildsBefore).toBe(1);
    const secrets = Object.values(data).map((created) => (created as { secret: string }).secret);
    expect(await Promise.all(secrets.map((secret) => chat(secret)))).toEqual(secrets.map(() => 200));

    // A burst of separate mutations: never more than one rebuild per change (one in flight, the
    // next covering every change made meanwhile), and each answer comes with its key served.
    const burst = 20;
    const burstBuildsBefore = builds;
    const statuses = await Promise.all(
      Array.from({ length: burst }, async (_, i) => {
        const created = await ok(`mutation { createKey(input: { name: "burst-${i}" }) { secret } }`);
        return chat((created.createKey as { secret: string }).secret);
      }),
    );
    expect(statuses).toEqual(statuses.map(() => 200));
    expect(builds - burstBuildsBefore).toBeLessThanOrEqual(burst);
  });

  it('restarts a data plane that dies on the same port, and mutations wait for the new one', { timeout: 240_000 }, async () => {
    const crashed = relay.dataplanePid()!;
    process.kill(crashed, 'SIGKILL');
    // uWebSockets.js cannot listen on a port the kernel still holds for the dead process's
    // connections (no SO_REUSEADDR), which can take up to a minute.
    for (const deadline = Date.now() + 180_000; relay.dataplanePid() === null || relay.dataplanePid() === crashed; ) {
      if (Date.now() > deadline) throw new Error('the data plane was not restarted');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const created = await ok('mutation { createKey(input: { name: "after-restart" }) { secret } }');
    expect(await chat((created.createKey as { secret: string }).secret)).toBe(200);
    expect((await fetch(`${relay.dataplaneUrl}/healthz`)).status).toBe(200);
  });
});

/**
 * The data plane is now a process of its own: it must never outlive `relay start`, or a crashed
 * relay would leave a data plane holding the port and serving stale keys.
 */
describe('issue 6: the data plane child process of relay start', () => {
  let dataDir: string;
  let relay: RelayProcess | undefined;

  afterAll(async () => {
    await relay?.stop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true, maxRetries: 3 });
  });

  it('serves from its own process and goes away when its parent is killed with SIGKILL', async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'relay-issue-6-child-'));
    relay = spawnRelay('start', { RELAY_DATA_DIR: dataDir, DATAPLANE_PORT: '0', CONTROLPLANE_PORT: '0' });
    const [, dataplaneUrl] = await relay.waitForLine(/Data plane \(OpenAI-compatible\):\s+(http:\/\/\S+)\/v1$/);
    await relay.waitForLine(/^relay-admin-/);
    const children = await dataplaneChildPids(relay.child.pid!);
    expect(children).toHaveLength(1);
    expect((await fetch(`${dataplaneUrl}/healthz`)).status).toBe(200);

    relay.child.kill('SIGKILL');
    expect(await relay.exitCode()).toBe('SIGKILL');
    // The child sees its IPC channel close, drains (nothing in flight) and exits.
    for (const deadline = Date.now() + 60_000; await isRunning(children[0]!); ) {
      if (Date.now() > deadline) throw new Error(`data plane ${children[0]} outlived its parent`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await expect(fetch(`${dataplaneUrl}/healthz`)).rejects.toThrow();
  });
});

/** Data plane processes whose parent is `parentPid` (from /proc, Linux; tsx's esbuild service is a child too). */
async function dataplaneChildPids(parentPid: number): Promise<number[]> {
  const pids: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '');
    // Fields after the parenthesised command name: state, ppid, …
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(fields[1]) !== parentPid) continue;
    const command = await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '');
    if (command.includes('dataplane-child')) pids.push(Number(entry));
  }
  return pids;
}

/** True while `pid` exists and is not a zombie waiting to be reaped. */
async function isRunning(pid: number): Promise<boolean> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => null);
  return stat !== null && stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
}
