import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HostResolver } from '@proxystacks/shared/net/host-resolver';
import { createDatabase, type Database } from '../src/db/client.ts';
import { migrateDatabase } from '../src/db/migrate.ts';
import type { BudgetAlert } from '../src/generated/prisma/client.ts';
import { createBudgetAlertRecorder, recordBudgetAlert, type BudgetAlertRecorder } from '../src/money/budget-alerts.ts';
import { createBudgetWebhookDeliverer, type BudgetWebhookDeliverer, type BudgetWebhookDelivererOptions } from '../src/money/budget-webhook.ts';
import { openTestDatabase, testDatabaseKinds, type TestDatabase } from './support/test-database.ts';

// Issue 8, budget alerts: each threshold is recorded once per budget window however many times
// (and however concurrently) the quota service reports it, audited as a SYSTEM change, and POSTed
// to the budget's webhook in the background through the address-guarded connection, with
// retries, status on the row, and pending alerts resumed when a control plane starts.

const logger = pino({ level: 'silent' });
const LOOPBACK_ALLOWED = { allowLoopback: true, allowPrivate: false };

/** A webhook receiver on loopback: answers each POST with the next scripted status (then 200), recording the bodies. */
interface Receiver {
  url: string;
  bodies: unknown[];
  /** Statuses to answer, in order; 'hang' holds the request until release(). */
  script: Array<number | 'hang'>;
  release(): void;
  close(): Promise<void>;
}

async function startReceiver(): Promise<Receiver> {
  const held: ServerResponse[] = [];
  const receiver = { bodies: [] as unknown[], script: [] as Array<number | 'hang'> } as Receiver;
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      receiver.bodies.push(JSON.parse(Buffer.concat(chunks).toString('utf8')));
      const next = receiver.script.shift() ?? 200;
      if (next === 'hang') return void held.push(res);
      res.writeHead(next, { 'content-type': 'text/plain' }).end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  receiver.release = () => held.splice(0).forEach((res) => res.writeHead(200).end('ok'));
  receiver.close = () => {
    receiver.release();
    server.closeAllConnections();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return receiver;
}

/** Polls `read` until `done` holds (no sleeps in assertions: the condition decides). */
async function waitFor<T>(read: () => Promise<T>, done: (value: T) => boolean, what: string, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(value, (_k, v) => (typeof v === 'bigint' ? v.toString() : v))}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe.each(testDatabaseKinds())('budget alerts on %s', (kind) => {
  let testDb: TestDatabase;
  let db: Database;
  let orgId: string;
  let receiver: Receiver;
  const deliverers: BudgetWebhookDeliverer[] = [];
  let windowCounter = 0;

  beforeAll(async () => {
    testDb = await openTestDatabase(kind);
    db = await createDatabase({ databaseUrl: testDb.url, pglitePath: testDb.pglitePath });
    await migrateDatabase(db, logger);
    orgId = (await db.prisma.organization.create({ data: { name: 'Alerts Inc' } })).id;
    receiver = await startReceiver();
  }, 120_000);

  afterAll(async () => {
    await Promise.all(deliverers.map((d) => d.stop()));
    await receiver?.close();
    await db?.close();
    await testDb?.cleanup();
  });

  function deliverer(options: Partial<BudgetWebhookDelivererOptions> = {}): BudgetWebhookDeliverer {
    const created = createBudgetWebhookDeliverer({ prisma: db.prisma, policy: LOOPBACK_ALLOWED, logger, retryDelayMs: () => 10, ...options });
    deliverers.push(created);
    return created;
  }

  async function budget(webhookUrl: string | null) {
    const team = await db.prisma.team.create({ data: { orgId, name: `team ${Math.random()}` } });
    return db.prisma.budget.create({ data: { orgId, scope: 'TEAM', scopeId: team.id, name: 'Daily', period: 'DAY', amountMicros: 1_000_000n, alertThresholds: [50, 100], webhookUrl } });
  }

  /** A fresh window per call, so alerts of different tests never collide. */
  function aWindow() {
    const start = Date.parse('2026-03-01T00:00:00Z') + ++windowCounter * 86_400_000;
    return { windowStart: start, windowEnd: start + 86_400_000 };
  }

  const alertRow = (id: string) => () => db.prisma.budgetAlert.findUniqueOrThrow({ where: { id } });
  const settled = (row: BudgetAlert) => row.webhookStatus !== 'pending';

  it('records a threshold once per window, however many concurrent reports, with one SYSTEM audit entry', async () => {
    const { id: budgetId } = await budget(null);
    const window = aWindow();
    const report = (thresholdPercent: number, w = window) => recordBudgetAlert(db.prisma, { budgetId, ...w, thresholdPercent, spentMicros: 500_000n, amountMicros: 1_000_000n });
    const results = await Promise.all(Array.from({ length: 16 }, () => report(50)));
    const recorded = results.filter((r) => r !== null);
    expect(recorded).toHaveLength(1);
    expect(recorded[0]!.webhookStatus).toBe('none');
    expect(await report(50)).toBeNull();
    // Another threshold, and the same threshold in the next window, are alerts of their own.
    expect(await report(100)).not.toBeNull();
    expect(await report(50, aWindow())).not.toBeNull();
    const rows = await db.prisma.budgetAlert.findMany({ where: { budgetId } });
    expect(rows).toHaveLength(3);
    const audit = await db.prisma.auditEntry.findMany({ where: { objectId: recorded[0]!.id } });
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ actorType: 'SYSTEM', action: 'recordBudgetAlert', objectType: 'BudgetAlert', orgId });
    // An unknown budget (deleted meanwhile) records nothing.
    expect(await recordBudgetAlert(db.prisma, { budgetId: '00000000-0000-4000-8000-000000000000', ...window, thresholdPercent: 50, spentMicros: 1, amountMicros: 2 })).toBeNull();
  });

  it('POSTs the alert to a loopback webhook without blocking the recorder, and marks it delivered', async () => {
    const b = await budget(`${receiver.url}/hooks/team?token=receiver-secret`);
    const record: BudgetAlertRecorder = createBudgetAlertRecorder(deliverer());
    receiver.script.push('hang');
    const before = receiver.bodies.length;
    const window = aWindow();
    // Resolves while the receiver still holds the POST: the caller never waits for the webhook.
    const recorded = await record(db.prisma, { budgetId: b.id, ...window, thresholdPercent: 100, spentMicros: 1_000_123n, amountMicros: 1_000_000n });
    expect(recorded).toMatchObject({ webhookStatus: 'pending' });
    await waitFor(async () => receiver.bodies.length, (n) => n > before, 'the webhook POST');
    expect((await alertRow(recorded!.id)()).webhookStatus).toBe('pending');
    receiver.release();
    const row = await waitFor(alertRow(recorded!.id), settled, 'delivery');
    expect(row).toMatchObject({ webhookStatus: 'delivered', webhookAttempts: 1, webhookLastError: null });
    expect(row.deliveredAt).toBeInstanceOf(Date);
    const body = receiver.bodies[before];
    expect(body).toEqual({
      type: 'budget.threshold_crossed',
      alertId: recorded!.id,
      budget: { id: b.id, name: 'Daily', scope: 'TEAM', scopeId: b.scopeId, period: 'DAY', mode: 'HARD' },
      window: { start: new Date(window.windowStart).toISOString(), end: new Date(window.windowEnd).toISOString() },
      thresholdPercent: 100,
      spentMicros: '1000123',
      amountMicros: '1000000',
      recordedAt: row.createdAt.toISOString(),
    });
    expect(JSON.stringify(body)).not.toContain('receiver-secret');
  });

  it('retries after a 500 with backoff until delivered, and gives up after maxAttempts', async () => {
    const b = await budget(`${receiver.url}/hooks/retry`);
    const queue = deliverer({ maxAttempts: 3 });
    receiver.script.push(500, 503);
    const recorded = await recordBudgetAlert(db.prisma, { budgetId: b.id, ...aWindow(), thresholdPercent: 50, spentMicros: 1, amountMicros: 2 }, queue);
    expect(await waitFor(alertRow(recorded!.id), settled, 'delivery after retries')).toMatchObject({ webhookStatus: 'delivered', webhookAttempts: 3, webhookLastError: null });

    receiver.script.push(500, 500, 500);
    const failing = await recordBudgetAlert(db.prisma, { budgetId: b.id, ...aWindow(), thresholdPercent: 50, spentMicros: 1, amountMicros: 2 }, queue);
    expect(await waitFor(alertRow(failing!.id), settled, 'giving up')).toMatchObject({ webhookStatus: 'failed', webhookAttempts: 3, webhookLastError: 'answered 500' });
  });

  it('refuses a webhook host that now resolves to the metadata address, before any connection', async () => {
    // Accepted when saved (the name did not resolve then); it resolves to 169.254.169.254 now.
    const { port } = new URL(receiver.url);
    const b = await budget(`http://hooks.example.test:${port}/hook`);
    const rebinding: HostResolver = async (hostName) => {
      if (hostName === 'hooks.example.test') return [{ address: '169.254.169.254', family: 4 }];
      throw Object.assign(new Error('ENOTFOUND'), { code: 'ENOTFOUND' });
    };
    const before = receiver.bodies.length;
    const recorded = await recordBudgetAlert(db.prisma, { budgetId: b.id, ...aWindow(), thresholdPercent: 100, spentMicros: 1, amountMicros: 1 }, deliverer({ resolve: rebinding }));
    const row = await waitFor(alertRow(recorded!.id), settled, 'the refusal');
    expect(row).toMatchObject({ webhookStatus: 'failed', webhookAttempts: 1, webhookLastError: 'refused: the webhook host is a cloud metadata service' });
    // Loopback is refused too when the policy does not allow it.
    const strict = await recordBudgetAlert(db.prisma, { budgetId: (await budget(`${receiver.url}/hook`)).id, ...aWindow(), thresholdPercent: 50, spentMicros: 1, amountMicros: 2 }, deliverer({ policy: { allowLoopback: false, allowPrivate: false } }));
    expect(await waitFor(alertRow(strict!.id), settled, 'the loopback refusal')).toMatchObject({ webhookStatus: 'failed', webhookLastError: 'refused: the URL points at a loopback address' });
    expect(receiver.bodies.length).toBe(before);
  });

  it('resumes pending alerts when a deliverer starts (a control plane restart)', async () => {
    const b = await budget(`${receiver.url}/hooks/resume`);
    // Recorded with no delivery queue (a crash right after the insert, or a recorder without one).
    const left = await recordBudgetAlert(db.prisma, { budgetId: b.id, ...aWindow(), thresholdPercent: 50, spentMicros: 5, amountMicros: 10 });
    expect(left).toMatchObject({ webhookStatus: 'pending' });
    await deliverer().start();
    expect(await waitFor(alertRow(left!.id), settled, 'resumed delivery')).toMatchObject({ webhookStatus: 'delivered', webhookAttempts: 1 });
    expect(receiver.bodies.some((body) => (body as { alertId: string }).alertId === left!.id)).toBe(true);
  });
});
