import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { budgetWindow, minuteWindow } from '@proxystacks/shared/quota/budget-window';
import { INTERNAL_QUOTA_PATH, type QuotaLeaseResponse } from '@proxystacks/shared/quota/lease-protocol';
import { startQuotaStack, type QuotaStack } from './support/quota-stack.ts';
import { testDatabaseKinds } from './support/test-database.ts';

const TTL_MS = 30_000;

/**
 * The quota service (POST /internal/v1/quota) over real HTTP on a real database: grants from
 * budgets, rate limits and prepaid balances, cumulative (idempotent) reports, expiry, window
 * rollover, the balance formula over ledger rows, and alert rows once per window and threshold.
 */
describe.each(testDatabaseKinds())('issue 8: quota service (%s)', (kind) => {
  let stack: QuotaStack;
  let teamId: string;

  beforeAll(async () => {
    stack = await startQuotaStack(kind, { leaseTtlMs: TTL_MS });
    await stack.db.prisma.organization.update({ where: { id: stack.orgId }, data: { timeZone: 'Europe/Berlin' } });
    teamId = (await stack.db.prisma.team.findFirstOrThrow({ where: { orgId: stack.orgId } })).id;
  }, 120_000);

  afterAll(async () => {
    await stack?.close();
  });

  async function lease(instanceId: string, counters: Array<{ key: string; windowStart?: number; used?: number; want?: number }>): Promise<QuotaLeaseResponse> {
    const response = await post({ dataplaneId: 'dp-test', instanceId, counters: counters.map((c) => ({ windowStart: 0, used: 0, want: 0, ...c })) });
    expect(response.status).toBe(200);
    return (await response.json()) as QuotaLeaseResponse;
  }

  function post(body: unknown, token = stack.internalToken): Promise<Response> {
    return fetch(`${stack.controlplaneUrl}${INTERNAL_QUOTA_PATH}`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  }

  async function budget(amountMicros: number, thresholds: number[] = [], scope: { scope: 'ORGANIZATION' | 'TEAM' | 'KEY'; scopeId: string } = { scope: 'TEAM', scopeId: teamId }, period: 'DAY' | 'MONTH' | 'LIFETIME' = 'DAY'): Promise<string> {
    await stack.db.prisma.budget.deleteMany({ where: { scope: scope.scope, scopeId: scope.scopeId, period } });
    const row = await stack.db.prisma.budget.create({
      data: { orgId: stack.orgId, scope: scope.scope, scopeId: scope.scopeId, name: 'test', period, amountMicros: BigInt(amountMicros), mode: 'HARD', alertThresholds: thresholds },
    });
    await stack.publish();
    return `budget:${row.id}`;
  }

  async function rateLimit(limits: { rpm?: number; conc?: number }): Promise<string> {
    const row = await stack.db.prisma.rateLimit.create({
      data: { orgId: stack.orgId, scope: 'PROJECT', scopeId: randomUUID(), requestsPerMinute: limits.rpm ?? null, concurrentRequests: limits.conc ?? null },
    });
    await stack.publish();
    return row.id;
  }

  it('refuses a bad token and names what is wrong with a malformed demand', async () => {
    expect((await post({ dataplaneId: 'x', instanceId: 'instance-1', counters: [] }, 'wrong-token-wrong-token-wrong-token')).status).toBe(401);
    const bad = await post({ dataplaneId: 'x', instanceId: 'instance-1', counters: [{ key: 'budget:x', windowStart: 0, used: -1, want: 0 }] });
    expect(bad.status).toBe(400);
    const body = (await bad.json()) as { error: { code: string; message: string; param: string } };
    expect(body.error.code).toBe('invalid_value');
    expect(body.error.param).toBe('counters.0.used');
    expect(body.error.message).toContain('counters.0.used');
  });

  it('grants from a budget in its calendar window, never more than the amount across instances', async () => {
    const key = await budget(1_000);
    const sentAt = Date.now();
    const a = await lease('instance-a-1', [{ key, want: 300 }]);
    const grant = a.grants[0]!;
    const window = budgetWindow('day', 'Europe/Berlin', a.serverTime);
    expect(grant).toMatchObject({ key, active: true, limit: 1_000, granted: 300, remaining: 700, windowStart: window.start, windowEnd: window.end });
    // The lease runs from when the transaction began; serverTime is read as the answer leaves.
    expect(grant.expiresAt - TTL_MS).toBeGreaterThanOrEqual(sentAt);
    expect(grant.expiresAt - TTL_MS).toBeLessThanOrEqual(a.serverTime);
    const b = await lease('instance-b-1', [{ key, windowStart: window.start, want: 900 }]);
    expect(b.grants[0]).toMatchObject({ granted: 700, remaining: 0, liveInstances: 2 });
    const c = await lease('instance-c-1', [{ key, windowStart: window.start, want: 1 }]);
    expect(c.grants[0]).toMatchObject({ granted: 0, remaining: 0 });
    // Unknown counters are inactive, not errors.
    const unknown = await lease('instance-a-1', [{ key: `budget:${randomUUID()}` }]);
    expect(unknown.grants[0]).toMatchObject({ active: false, granted: 0 });
  });

  it('treats reports as cumulative: a retried report counts its use and its want once, an older report cannot lower it', async () => {
    const key = await budget(1_000);
    const first = await lease('instance-r-1', [{ key, want: 200 }]);
    const windowStart = first.grants[0]!.windowStart;
    const report = { key, windowStart, used: 150, want: 100 };
    const once = await lease('instance-r-1', [report]);
    // `want` is what the instance wants available beyond its use: 150 + 100 (the live 200 is held).
    expect(once.grants[0]).toMatchObject({ granted: 250, remaining: 750 });
    const retried = await lease('instance-r-1', [report]);
    // The same demand again grants the same: neither the use nor the grant doubles.
    expect(retried.grants[0]).toMatchObject({ granted: 250, remaining: 750 });
    const late = await lease('instance-r-1', [{ key, windowStart, used: 100, want: 0 }]);
    expect(late.grants[0]!.granted).toBe(retried.grants[0]!.granted);
    const row = await stack.db.prisma.quotaLease.findFirstOrThrow({ where: { key, instanceId: 'instance-r-1' } });
    expect(row.used).toBe(150n);
  });

  it('returns an expired lease\'s unused capacity to the pool but keeps its use', async () => {
    const key = await budget(1_000);
    const a = await lease('instance-x-1', [{ key, want: 600 }]);
    const windowStart = a.grants[0]!.windowStart;
    await lease('instance-x-1', [{ key, windowStart, used: 100, want: 0 }]);
    const before = await lease('instance-y-1', [{ key, windowStart, want: 1_000 }]);
    expect(before.grants[0]!.granted).toBe(400);
    stack.clock.offsetMs = TTL_MS + 1_000;
    try {
      const after = await lease('instance-z-1', [{ key, windowStart, want: 1_000 }]);
      // x expired: its 500 unused return; its 100 used stay. y expired too (400 unused return).
      expect(after.grants[0]).toMatchObject({ granted: 900, remaining: 0 });
    } finally {
      stack.clock.offsetMs = 0;
    }
  });

  it('releases a dead instance\'s concurrency slots at expiry, and shrinks a conc grant to what is reported', async () => {
    const id = await rateLimit({ conc: 2 });
    const key = `conc:${id}`;
    expect((await lease('instance-c-a', [{ key, used: 2, want: 0 }])).grants[0]).toMatchObject({ granted: 2, windowStart: 0, windowEnd: null });
    expect((await lease('instance-c-b', [{ key, want: 1 }])).grants[0]).toMatchObject({ granted: 0 });
    // a now holds one slot and reports it: the other slot is free at once.
    expect((await lease('instance-c-a', [{ key, used: 1, want: 0 }])).grants[0]).toMatchObject({ granted: 1 });
    expect((await lease('instance-c-b', [{ key, want: 1 }])).grants[0]).toMatchObject({ granted: 1 });
    stack.clock.offsetMs = TTL_MS + 1_000;
    try {
      expect((await lease('instance-c-c', [{ key, want: 2 }])).grants[0]).toMatchObject({ granted: 2, liveInstances: 1 });
    } finally {
      stack.clock.offsetMs = 0;
    }
  });

  it('rolls rate-limit windows over at the minute: the old window\'s final use is recorded, the new one starts empty', async () => {
    const id = await rateLimit({ rpm: 10 });
    const key = `rpm:${id}`;
    const first = await lease('instance-m-1', [{ key, want: 10 }]);
    const minute = minuteWindow(first.serverTime);
    expect(first.grants[0]).toMatchObject({ windowStart: minute.start, windowEnd: minute.end, granted: 10, limit: 10 });
    stack.clock.offsetMs = minute.end! - first.serverTime + 1;
    try {
      const next = await lease('instance-m-1', [{ key, windowStart: minute.start, used: 7, want: 4 }]);
      expect(next.grants[0]).toMatchObject({ windowStart: minute.end, granted: 4, remaining: 6 });
      const old = await stack.db.prisma.quotaLease.findFirstOrThrow({ where: { key, instanceId: 'instance-m-1', windowStart: new Date(minute.start) } });
      expect(old.used).toBe(7n);
    } finally {
      stack.clock.offsetMs = 0;
    }
  });

  it('derives a prepaid balance from the ledger: money in, minus spend from before the counter began', async () => {
    const prisma = stack.db.prisma;
    const account = await prisma.ledgerAccount.create({ data: { orgId: stack.orgId, kind: 'TEAM', scopeId: teamId } });
    const counterAccount = async (kind: 'TOP_UPS' | 'PROVIDER_SPEND') =>
      (await prisma.ledgerAccount.findFirst({ where: { orgId: stack.orgId, kind, scopeId: '' } })) ?? (await prisma.ledgerAccount.create({ data: { orgId: stack.orgId, kind } }));
    const topUps = await counterAccount('TOP_UPS');
    const spend = await counterAccount('PROVIDER_SPEND');
    const post = (txKind: 'TOP_UP' | 'REQUEST', amount: number, at: Date) =>
      prisma.ledgerTransaction.create({
        data: {
          orgId: stack.orgId,
          idempotencyKey: `${txKind}:${randomUUID()}`,
          kind: txKind,
          occurredAt: at,
          teamId,
          entries: {
            create:
              txKind === 'TOP_UP'
                ? [{ accountId: account.id, amountMicros: BigInt(amount), occurredAt: at }, { accountId: topUps.id, amountMicros: BigInt(-amount), occurredAt: at }]
                : [{ accountId: account.id, amountMicros: BigInt(-amount), occurredAt: at }, { accountId: spend.id, amountMicros: BigInt(amount), occurredAt: at }],
          },
        },
      });
    await post('TOP_UP', 10_000, new Date(Date.now() - 60_000));
    await post('REQUEST', 300, new Date(Date.now() - 30_000));
    await prisma.organization.update({ where: { id: stack.orgId }, data: { billingMode: 'PREPAID' } });
    await stack.publish();
    const key = `balance:${account.id}`;
    const first = await lease('instance-bal-1', [{ key, want: 1_000 }]);
    expect(first.grants[0]).toMatchObject({ limit: 9_700, granted: 1_000, remaining: 8_700, windowStart: 0, windowEnd: null });
    // Spend after the counter began is the leases' `used`, not the ledger's: counted once.
    await post('REQUEST', 500, new Date(Date.now() + 1_000));
    await post('TOP_UP', 2_000, new Date());
    const second = await lease('instance-bal-1', [{ key, used: 500, want: 0 }]);
    expect(second.grants[0]).toMatchObject({ limit: 11_700, granted: 1_000, remaining: 10_700 });
    await prisma.organization.update({ where: { id: stack.orgId }, data: { billingMode: 'POSTPAID' } });
    await stack.publish();
  });

  it('starts a budget window from the ledger spend of its scope already in it', async () => {
    const prisma = stack.db.prisma;
    // A key's budget: the ledger rows other tests post (team and organisation spend) are not its scope's.
    const keyId = randomUUID();
    const key = await budget(5_000, [], { scope: 'KEY', scopeId: keyId }, 'MONTH');
    const spend = (await prisma.ledgerAccount.findFirst({ where: { orgId: stack.orgId, kind: 'PROVIDER_SPEND' } })) ?? (await prisma.ledgerAccount.create({ data: { orgId: stack.orgId, kind: 'PROVIDER_SPEND' } }));
    const customer = await prisma.ledgerAccount.create({ data: { orgId: stack.orgId, kind: 'ORGANIZATION' } });
    const at = new Date(Date.now() - 5_000);
    await prisma.ledgerTransaction.create({
      data: {
        orgId: stack.orgId,
        idempotencyKey: `request:${randomUUID()}`,
        kind: 'REQUEST',
        occurredAt: at,
        keyId,
        entries: { create: [{ accountId: customer.id, amountMicros: -1_200n, occurredAt: at }, { accountId: spend.id, amountMicros: 1_200n, occurredAt: at }] },
      },
    });
    const grant = (await lease('instance-base-1', [{ key, want: 10_000 }])).grants[0]!;
    expect(grant).toMatchObject({ limit: 5_000, granted: 3_800, remaining: 0 });
  });

  it('records each alert threshold once per budget window', async () => {
    const key = await budget(1_000, [50, 80], { scope: 'KEY', scopeId: randomUUID() });
    const budgetId = key.slice('budget:'.length);
    const first = await lease('instance-al-1', [{ key, want: 1_000 }]);
    const windowStart = first.grants[0]!.windowStart;
    await lease('instance-al-1', [{ key, windowStart, used: 600 }]);
    await lease('instance-al-1', [{ key, windowStart, used: 610 }]);
    const alerts = () => stack.db.prisma.budgetAlert.findMany({ where: { budgetId }, orderBy: [{ windowStart: 'asc' }, { thresholdPercent: 'asc' }] });
    expect((await alerts()).map((a) => [a.thresholdPercent, Number(a.spentMicros), Number(a.amountMicros)])).toEqual([[50, 600, 1_000]]);
    await lease('instance-al-1', [{ key, windowStart, used: 850 }]);
    await lease('instance-al-2', [{ key, windowStart, used: 10 }]);
    expect((await alerts()).map((a) => a.thresholdPercent)).toEqual([50, 80]);
    // The next day is a new window: its thresholds are recorded again.
    const next = budgetWindow('day', 'Europe/Berlin', windowStart).end!;
    stack.clock.offsetMs = next - Date.now() + 1_000;
    try {
      const later = await lease('instance-al-1', [{ key, windowStart, used: 900, want: 600 }]);
      expect(later.grants[0]!.windowStart).toBe(next);
      await lease('instance-al-1', [{ key, windowStart: next, used: 550 }]);
    } finally {
      stack.clock.offsetMs = 0;
    }
    const rows = await alerts();
    expect(rows.map((a) => [a.windowStart.getTime(), a.thresholdPercent])).toEqual([
      [windowStart, 50],
      [windowStart, 80],
      [next, 50],
    ]);
    expect(rows[2]!.windowEnd?.getTime()).toBe(budgetWindow('day', 'Europe/Berlin', next).end);
  });
});
