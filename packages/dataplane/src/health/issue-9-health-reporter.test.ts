import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DEPLOYMENT_HEALTH_PATH, type DeploymentHealthBatch, type DeploymentHealthReport } from '@proxystacks/shared/health/deployment-health';
import { loadDataplaneConfig } from '../config.ts';
import { createHealthReporter, type HealthReporter } from './health-reporter.ts';

const TOKEN = 'health-token-'.padEnd(40, 'x');

interface Received {
  path: string;
  authorization: string | undefined;
  batch: DeploymentHealthBatch;
}

/** A loopback stand-in for the control plane's endpoint: records batches, answers `status` (or never, when null). */
let server: Server;
let baseUrl: string;
let received: Received[] = [];
let status: number | null = 200;
const hung: ServerResponse[] = [];

beforeAll(async () => {
  server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ path: req.url ?? '', authorization: req.headers.authorization, batch: JSON.parse(Buffer.concat(chunks).toString('utf8')) as DeploymentHealthBatch });
      if (status === null) return void hung.push(res);
      res.writeHead(status, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  for (const res of hung) res.destroy();
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const reporters: HealthReporter[] = [];
beforeEach(async () => {
  await Promise.all(reporters.splice(0).map((r) => r.stop()));
  received = [];
  status = 200;
});

const REPORT: DeploymentHealthReport = {
  deploymentId: 'dep-1',
  providerId: 'prov-1',
  upstreamModel: 'mock-1',
  state: 'down',
  breaker: 'open',
  recentAttempts: 10,
  recentFailures: 4,
  errorRatePpm: 400_000,
  consecutiveFailures: 4,
  latencyAvgMs: 120,
  ttftAvgMs: null,
  lastErrorCode: 'upstream_timeout',
  reopensAtMs: 1_700_000_030_000,
  observedAtMs: 1_700_000_000_000,
};

function logRecorder() {
  const lines: Array<{ level: 'warn' | 'info'; args: unknown[] }> = [];
  return {
    lines,
    logger: {
      warn: (...args: unknown[]) => void lines.push({ level: 'warn', args }),
      info: (...args: unknown[]) => void lines.push({ level: 'info', args }),
    } as never,
  };
}

function reporter(overrides: Partial<Parameters<typeof createHealthReporter>[0]> = {}): HealthReporter {
  const r = createHealthReporter({
    controlplaneUrl: baseUrl,
    internalToken: TOKEN,
    dataplaneId: 'dp-test',
    intervalMs: 300_000,
    source: { report: () => [REPORT] },
    logger: logRecorder().logger,
    ...overrides,
  });
  reporters.push(r);
  return r;
}

async function until(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('deployment health reporter (issue 9)', () => {
  it('posts the source\'s reports to the control plane with the internal token, stamped with its instance', async () => {
    const asked: number[] = [];
    const r = reporter({ now: () => 1_700_000_000_123, source: { report: (nowMs) => (asked.push(nowMs), [REPORT]) } });
    expect(await r.flush()).toBe(true);
    expect(received).toEqual([{ path: DEPLOYMENT_HEALTH_PATH, authorization: `Bearer ${TOKEN}`, batch: { instanceId: r.instanceId, sentAtMs: 1_700_000_000_123, deployments: [REPORT] } }]);
    expect(asked).toEqual([1_700_000_000_123]);
    expect(r.instanceId).toMatch(/^dp-test\/[0-9a-f-]{36}$/);
  });

  it('sends at once on start, then every interval', async () => {
    reporter({ intervalMs: 100 }).start();
    await until(() => received.length >= 3, 'three periodic batches');
    expect(new Set(received.map((x) => x.batch.instanceId)).size).toBe(1);
  });

  it('a nudge sends well before the next interval', async () => {
    const r = reporter({ intervalMs: 300_000 });
    r.start();
    await until(() => received.length === 1, 'the first batch');
    r.nudge();
    await until(() => received.length === 2, 'the nudged batch');
  });

  it("a source's state-change signal sends at once, and stop unsubscribes from it", async () => {
    const listeners = new Set<() => void>();
    const r = reporter({ source: { report: () => [REPORT], subscribe: (listener) => (listeners.add(listener), () => void listeners.delete(listener)) } });
    r.start();
    await until(() => received.length === 1, 'the first batch');
    for (const listener of listeners) listener();
    await until(() => received.length === 2, 'the batch after a state change');
    await r.stop();
    expect(listeners.size).toBe(0);
  });

  it('nudges never block and never pile up while the control plane hangs', async () => {
    status = null;
    const r = reporter();
    r.nudge();
    await until(() => received.length === 1, 'the hung batch to arrive');
    for (let i = 0; i < 1_000; i += 1) r.nudge();
    // One batch in flight, at most one queued behind it: the hung request is the only one so far.
    expect(received.length).toBe(1);
    await r.stop();
  });

  it('logs a failing control plane once per outage, and its recovery once, without the token', async () => {
    const log = logRecorder();
    const r = reporter({ logger: log.logger });
    status = 503;
    for (let i = 0; i < 4; i += 1) expect(await r.flush()).toBe(false);
    status = 200;
    expect(await r.flush()).toBe(true);
    expect(await r.flush()).toBe(true);
    status = 401;
    expect(await r.flush()).toBe(false);
    expect(await r.flush()).toBe(false);
    expect(log.lines.map((l) => l.level)).toEqual(['warn', 'info', 'warn']);
    expect(log.lines[0]!.args[0]).toEqual({ reason: 'HTTP 503' });
    expect(JSON.stringify(log.lines)).not.toContain(TOKEN);
  });

  it('an unreachable control plane is one warning naming the error code', async () => {
    const log = logRecorder();
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const r = reporter({ controlplaneUrl: `http://127.0.0.1:${port}`, logger: log.logger });
    expect(await r.flush()).toBe(false);
    expect(await r.flush()).toBe(false);
    expect(log.lines).toEqual([{ level: 'warn', args: [{ reason: 'ECONNREFUSED' }, expect.any(String)] }]);
  });

  it('without a control plane URL it sends nothing', async () => {
    const r = reporter({ controlplaneUrl: null });
    r.start();
    r.nudge();
    expect(await r.flush()).toBe(false);
    expect(received).toEqual([]);
  });

  it('HEALTH_REPORT_INTERVAL_MS defaults to 5 s and is validated', () => {
    const base = { RELAY_INTERNAL_TOKEN: TOKEN, RELAY_KEY_SECRET: TOKEN };
    expect(loadDataplaneConfig(base).healthReportIntervalMs).toBe(5_000);
    expect(loadDataplaneConfig({ ...base, HEALTH_REPORT_INTERVAL_MS: '250' }).healthReportIntervalMs).toBe(250);
    expect(() => loadDataplaneConfig({ ...base, HEALTH_REPORT_INTERVAL_MS: '5' })).toThrow(/HEALTH_REPORT_INTERVAL_MS/);
  });
});
