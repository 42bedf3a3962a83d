import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from './e2e/graphql-client.ts';
import { spawnRelay, type RelayProcess } from './e2e/relay-process.ts';
import { stopOrKill } from './support/multi-plane.ts';

/**
 * Issue 11: `relay dataplane` with DATAPLANE_WORKERS=2 runs two worker processes on one port
 * under a supervisor. Every scrape of /metrics, whichever worker takes it, shows both workers
 * (a `worker` label); each worker has its own data directory; a worker killed with SIGKILL is
 * replaced; SIGTERM stops them all. No control plane is needed for that: the workers start
 * without a snapshot and keep asking an address nothing listens on.
 */
describe('relay dataplane with DATAPLANE_WORKERS=2', () => {
  const internalToken = randomBytes(24).toString('hex');
  let dataDir: string;
  let relay: RelayProcess;
  let url: string;
  let pids: number[];

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'relay-workers-'));
    relay = spawnRelay('dataplane', {
      CONTROLPLANE_URL: `http://127.0.0.1:${await closedPort()}`,
      RELAY_INTERNAL_TOKEN: internalToken,
      RELAY_KEY_SECRET: randomBytes(24).toString('hex'),
      RELAY_DATA_DIR: dataDir,
      DATAPLANE_PORT: '0',
      DATAPLANE_WORKERS: '2',
      SNAPSHOT_POLL_INTERVAL_MS: '1000',
      LOG_LEVEL: 'info', // the supervisor logs a restart at info level
    });
    url = (await relay.waitForLine(/^Data plane: (http:\/\/\S+)\/v1 /))[1]!;
    pids = (await relay.waitForLine(/^Data plane workers: 2 \(pids (\d+), (\d+)\)$/)).slice(1, 3).map(Number);
  });

  afterAll(async () => {
    await stopOrKill(relay);
    await rm(dataDir, { recursive: true, force: true });
  });

  async function workersInScrape(): Promise<string[]> {
    const response = await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${internalToken}` } });
    expect(response.status).toBe(200);
    const text = await response.text();
    return [...text.matchAll(/^relay_snapshot_version\{worker="(\d+)"\} \d+$/gm)].map((m) => m[1]!);
  }

  it('shows every worker in every scrape, and gives each its own data directory', async () => {
    expect(new Set(pids).size).toBe(2);
    expect(pids).not.toContain(relay.child.pid);
    // Each scrape lands on either worker (new connection each time): all of them see both.
    for (let i = 0; i < 8; i++) expect(await workersInScrape()).toEqual(['0', '1']);
    expect(await readdir(dataDir)).toEqual(expect.arrayContaining(['event-log', 'worker-1']));
    expect(await readdir(join(dataDir, 'worker-1'))).toEqual(expect.arrayContaining(['event-log']));
  });

  it('replaces a worker that was killed, on the same port', async () => {
    process.kill(pids[1]!, 'SIGKILL');
    const replacement = await eventually(async () => {
      const line = relay.stderr().split('\n').find((l) => l.includes('data plane worker restarted'));
      return line === undefined ? undefined : (JSON.parse(line) as { pid: number }).pid;
    }, 'the worker to be restarted', 600);
    expect(pids).not.toContain(replacement);
    for (let i = 0; i < 4; i++) expect(await workersInScrape()).toEqual(['0', '1']);
  });

  it('stops every worker on SIGTERM', async () => {
    expect(await relay.stop()).toBe(0);
    const alive = (pid: number) => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    };
    expect(pids.filter(alive)).toEqual([]);
  });
});

/** A loopback port nothing listens on (taken and released again). */
async function closedPort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}
