import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClickHouseSink } from '@proxystacks/dataplane/events/clickhouse-sink';
import { createControlplaneSink } from '@proxystacks/dataplane/events/controlplane-sink';
import { createDiskErrors } from '@proxystacks/dataplane/events/disk-errors';
import { openEventLog } from '@proxystacks/dataplane/events/event-log';
import { createEventQueue } from '@proxystacks/dataplane/events/event-queue';
import type { EventSink } from '@proxystacks/dataplane/events/event-sink';
import { openEventSpool } from '@proxystacks/dataplane/events/event-spool';
import { createLedgerTeeSink } from '@proxystacks/dataplane/events/ledger-tee-sink';
import type { RequestEvent } from '@proxystacks/shared/events/request-event';
import { parseEventTime } from '@proxystacks/shared/events/request-events-ddl';
import { inTransaction } from '../src/domain/transaction.ts';
import { checkBalancedNow } from '../src/ledger/post-transaction.ts';
import { eventually } from './e2e/graphql-client.ts';
import { startLedgerRelay, type LedgerRelay } from './support/ledger-relay.ts';
import { testDatabaseKinds } from './support/test-database.ts';

const logger = pino({ level: 'silent' });

/**
 * Issue 8, "Balances and the ledger": every priced request is debited exactly once to its
 * funding account, in balanced, append-only transactions, however often its event is sent: a
 * retried batch, the same events in another batch, a data plane replaying its event log after a
 * restart, or a data plane that writes ClickHouse itself and reaches the ledger through the
 * tee sink. The relay is real (`startRelay`: control plane here, data plane child, mock
 * provider); batches go through the real ingest endpoint with the data plane's own sinks.
 */
describe.each(testDatabaseKinds())('ledger postings (%s)', (kind) => {
  let t: LedgerRelay;
  let sink: EventSink;

  beforeAll(async () => {
    t = await startLedgerRelay(kind);
    sink = createControlplaneSink({ controlplaneUrl: t.relay.controlplaneUrl, internalToken: t.internalToken });
  }, 180_000);

  afterAll(() => t?.close());

  const prisma = () => t.relay.services.db.prisma;

  async function postingsOf(requestIds: readonly string[]) {
    return prisma().ledgerTransaction.findMany({ where: { requestId: { in: [...requestIds] } }, include: { entries: { include: { account: true } } } });
  }

  async function balance(accountId: string): Promise<bigint> {
    const sum = await prisma().ledgerEntry.aggregate({ where: { accountId }, _sum: { amountMicros: true } });
    return sum._sum.amountMicros ?? 0n;
  }

  async function clickhouseRows(requestIds: readonly string[]): Promise<number> {
    const ch = t.relay.services.clickhouse;
    const result = await ch.client.query({ query: `SELECT count() AS n FROM ${ch.database}.request_events FINAL WHERE request_id IN {ids:Array(String)}`, query_params: { ids: requestIds }, format: 'JSONEachRow' });
    return Number((await result.json<{ n: number | string }>())[0]!.n);
  }

  it('debits real traffic once per request, balanced, traced to the request, pricing rule and scope', async () => {
    const ids = [await t.chat(), await t.chat({ stream: true }), await t.chat()];
    await t.waitForEvents(ids);
    const postings = await eventually(async () => {
      const found = await postingsOf(ids);
      return found.length === ids.length ? found : undefined;
    }, 'the three requests in the ledger');
    const ch = t.relay.services.clickhouse;
    const events = await (await ch.client.query({ query: `SELECT request_id, ts, cost_micros, pricing_rule_id, pricing_rule_version FROM ${ch.database}.request_events FINAL WHERE request_id IN {ids:Array(String)}`, query_params: { ids }, format: 'JSONEachRow' })).json<Record<string, string | number>>();
    for (const posting of postings) {
      const event = events.find((e) => e.request_id === posting.requestId)!;
      const cost = BigInt(event.cost_micros!);
      expect(cost).toBeGreaterThan(0n);
      expect(posting).toMatchObject({
        orgId: t.demo.orgId,
        kind: 'REQUEST',
        idempotencyKey: `request:${posting.requestId}`,
        teamId: t.demo.teamId,
        projectId: t.demo.projectId,
        environmentId: t.demo.environmentId,
        keyId: t.demo.keyId,
        pricingRuleId: event.pricing_rule_id,
        pricingRuleVersion: Number(event.pricing_rule_version),
      });
      expect(posting.occurredAt.toISOString()).toBe(parseEventTime(String(event.ts)).toISOString());
      // Balanced: the funding account (no project or team account yet: the organisation's) pays the provider spend.
      expect(posting.entries.map((e) => [e.account.kind, e.account.scopeId, e.amountMicros]).sort()).toEqual([
        ['ORGANIZATION', '', -cost],
        ['PROVIDER_SPEND', '', cost],
      ]);
    }
    // The organisation account created on first need is a funding account of the next snapshot.
    const orgAccount = postings[0]!.entries.find((e) => e.account.kind === 'ORGANIZATION')!.account;
    await eventually(async () => (t.relay.services.publisher.current().fundingAccounts.some((a) => a.id === orgAccount.id && a.scope === 'organization' && a.scopeId === t.demo.orgId) ? true : undefined), 'the org account in the snapshot');
  });

  it('posts nothing for a free request (a refused one)', async () => {
    const id = await t.chat({ key: 'sk-relay-not-a-key-0000000000000000000000000000' });
    await t.waitForEvents([id]);
    // The refused request's batch was acknowledged, so its (absent) posting is final.
    expect(await postingsOf([id])).toEqual([]);
  });

  it('funds from the project account when there is one, else the team account', async () => {
    const teamAccount = await prisma().ledgerAccount.create({ data: { orgId: t.demo.orgId, kind: 'TEAM', scopeId: t.demo.teamId } });
    const teamEvent = t.pricedEvent();
    await sink.write(`funding-team-${teamEvent.request_id}`, [teamEvent]);
    const projectAccount = await prisma().ledgerAccount.create({ data: { orgId: t.demo.orgId, kind: 'PROJECT', scopeId: t.demo.projectId } });
    const projectEvent = t.pricedEvent();
    await sink.write(`funding-project-${projectEvent.request_id}`, [projectEvent]);
    const [forTeam] = await postingsOf([teamEvent.request_id]);
    const [forProject] = await postingsOf([projectEvent.request_id]);
    expect(forTeam!.entries.find((e) => e.amountMicros < 0n)!.accountId).toBe(teamAccount.id);
    expect(forProject!.entries.find((e) => e.amountMicros < 0n)!.accountId).toBe(projectAccount.id);
    expect(await balance(projectAccount.id)).toBe(-BigInt(projectEvent.cost_micros));
  });

  it('debits a batch once however it is replayed: same batch, same events under a new batch id, one request alone, ledger-only', async () => {
    const events = [t.pricedEvent(), t.pricedEvent(), t.pricedEvent({ cost_micros: 0 }), t.pricedEvent()];
    const ids = events.map((e) => e.request_id);
    const spendBefore = await providerSpend();
    await sink.write(`replay-${ids[0]}`, events);
    const expected = events.reduce((sum, e) => sum + BigInt(e.cost_micros), 0n);
    expect((await providerSpend()) - spendBefore).toBe(expected);
    expect(await postingsOf(ids)).toHaveLength(3);

    await sink.write(`replay-${ids[0]}`, events);
    await sink.write(`replay-again-${ids[0]}`, events);
    await sink.write(`replay-one-${ids[1]}`, [events[1]!]);
    await createControlplaneSink({ controlplaneUrl: t.relay.controlplaneUrl, internalToken: t.internalToken, ledgerOnly: true }).write(`ledger-only-${ids[0]}`, events);

    expect((await providerSpend()) - spendBefore).toBe(expected);
    expect(await postingsOf(ids)).toHaveLength(3);
    expect(await clickhouseRows(ids)).toBe(4);
  });

  it('does not debit twice when a restarted data plane replays its event log', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'relay-ledger-log-'));
    try {
      const diskErrors = createDiskErrors(logger);
      const first = [t.pricedEvent(), t.pricedEvent(), t.pricedEvent(), t.pricedEvent()];
      // The first process delivers its batch and dies before the acknowledgement reaches its log.
      const log1 = await openEventLog({ dir, fsyncIntervalMs: 0, diskErrors, logger });
      const dying: EventSink = {
        async write(batchId, events) {
          await sink.write(batchId, events);
          throw new Error('killed before the acknowledgement');
        },
      };
      const queue1 = createEventQueue({ sink: dying, batchSize: 100, flushIntervalMs: 5, maxQueued: 1000, logger, log: log1, retryBaseMs: 1 });
      for (const event of first) queue1.push(event);
      await queue1.close();
      await log1.close();
      const spendAfterFirst = await providerSpend();
      expect(await postingsOf(first.map((e) => e.request_id))).toHaveLength(4);

      // The restart replays the unacknowledged events with a new one: another batch (another id) of the same requests.
      const log2 = await openEventLog({ dir, fsyncIntervalMs: 0, diskErrors, logger });
      expect(log2.stats().pendingEvents).toBe(4);
      const queue2 = createEventQueue({ sink, batchSize: 100, flushIntervalMs: 5, maxQueued: 1000, logger, log: log2, retryBaseMs: 1 });
      const fresh = t.pricedEvent();
      queue2.push(fresh);
      await queue2.flush();
      await queue2.close();
      await log2.close();

      const ids = [...first, fresh].map((e) => e.request_id);
      expect(await postingsOf(ids)).toHaveLength(5);
      expect((await providerSpend()) - spendAfterFirst).toBe(BigInt(fresh.cost_micros));
      expect(await clickhouseRows(ids)).toBe(5);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('reaches the ledger from a data plane writing ClickHouse directly, through outages of the control plane', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'relay-ledger-tee-'));
    const gate = await startGate(t.relay.controlplaneUrl);
    try {
      const ch = t.relay.services.clickhouse;
      const tee = createLedgerTeeSink({
        store: createClickHouseSink({ client: ch.client, database: ch.database }),
        ledger: createControlplaneSink({ controlplaneUrl: gate.url, internalToken: t.internalToken, ledgerOnly: true }),
      });
      const spool = await openEventSpool({ dir, maxBytes: 10_000_000, logger });
      const queue = createEventQueue({ sink: tee, batchSize: 100, flushIntervalMs: 5, maxQueued: 1000, logger, spool, spoolAfterFailures: 1, retryBaseMs: 1 });
      const events: RequestEvent[] = [t.pricedEvent(), t.pricedEvent({ cost_micros: 0 }), t.pricedEvent(), t.pricedEvent()];
      const ids = events.map((e) => e.request_id);
      const spendBefore = await providerSpend();

      gate.open = false;
      for (const event of events) queue.push(event);
      await eventually(async () => (queue.stats().spoolBatches === 1 ? true : undefined), 'the batch spooled while the ledger is unreachable');
      expect(await clickhouseRows(ids)).toBe(4);
      expect(await postingsOf(ids)).toHaveLength(0);

      gate.open = true;
      await queue.flush();
      expect(queue.stats().spoolBatches).toBe(0);
      expect(await postingsOf(ids)).toHaveLength(3);
      expect((await providerSpend()) - spendBefore).toBe(events.reduce((sum, e) => sum + BigInt(e.cost_micros), 0n));
      // The replayed insert was deduplicated by its batch id: no second copy even before merges.
      const raw = await ch.client.query({ query: `SELECT count() AS n FROM ${ch.database}.request_events WHERE request_id IN {ids:Array(String)}`, query_params: { ids }, format: 'JSONEachRow' });
      expect(Number((await raw.json<{ n: number | string }>())[0]!.n)).toBe(4);
      await queue.close();
      await spool.close();
    } finally {
      await gate.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('keeps the ledger append-only and balanced in the database itself', async () => {
    const db = t.relay.services.db;
    await expect(db.query('UPDATE ledger_entry SET amount_micros = amount_micros + 1')).rejects.toThrow(/append-only|not allowed|refuse/i);
    await expect(db.query('DELETE FROM ledger_transaction')).rejects.toThrow(/append-only|not allowed|refuse/i);
    await expect(db.query('DELETE FROM ledger_entry')).rejects.toThrow(/append-only|not allowed|refuse/i);
    const account = await prisma().ledgerAccount.findFirstOrThrow({ where: { orgId: t.demo.orgId, kind: 'PROVIDER_SPEND' } });
    // An unbalanced transaction is refused at COMMIT (a deferred trigger), with nothing kept.
    const unbalanced = db.withConnection((connection) =>
      connection.transaction(async (session) => {
        const [row] = await session.query<{ id: string }>(
          `INSERT INTO ledger_transaction (id, org_id, idempotency_key, kind, occurred_at) VALUES (gen_random_uuid(), $1, 'adjustment:unbalanced', 'ADJUSTMENT', now()) RETURNING id`,
          [t.demo.orgId],
        );
        await session.query('INSERT INTO ledger_entry (transaction_id, account_id, amount_micros, occurred_at) VALUES ($1, $2, 5, now())', [row!.id, account.id]);
      }),
    );
    await expect(unbalanced).rejects.toThrow(/does not balance/);
    expect(await prisma().ledgerTransaction.count({ where: { idempotencyKey: 'adjustment:unbalanced' } })).toBe(0);
    // Through Prisma too (the path every posting takes), the refusal surfaces instead of a silent rollback.
    const throughPrisma = inTransaction(prisma(), async (tx) => {
      const row = await tx.ledgerTransaction.create({ data: { orgId: t.demo.orgId, idempotencyKey: 'adjustment:unbalanced-2', kind: 'ADJUSTMENT', occurredAt: new Date() } });
      await tx.ledgerEntry.create({ data: { transactionId: row.id, accountId: account.id, amountMicros: 5n, occurredAt: new Date() } });
      await checkBalancedNow(tx);
    });
    await expect(throughPrisma).rejects.toThrow();
    expect(await prisma().ledgerTransaction.count({ where: { idempotencyKey: 'adjustment:unbalanced-2' } })).toBe(0);
  });

  async function providerSpend(): Promise<bigint> {
    const account = await prisma().ledgerAccount.findFirst({ where: { orgId: t.demo.orgId, kind: 'PROVIDER_SPEND' } });
    return account === null ? 0n : balance(account.id);
  }
});

/** A loopback pass-through to the control plane that answers 503 while closed: the control plane "down" for one sender. */
async function startGate(target: string): Promise<{ url: string; open: boolean; close(): Promise<void> }> {
  const state = { open: true };
  const server: Server = createServer((req, res) => {
    if (!state.open) return void res.writeHead(503, { 'content-type': 'application/json' }).end('{"error":{"code":"not_ready","message":"down"}}');
    const upstream = new URL(req.url ?? '/', target);
    const forward = httpRequest(upstream, { method: req.method, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    forward.on('error', () => res.destroy());
    req.pipe(forward);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return Object.assign(state, { url, close: () => new Promise<void>((resolve) => server.close(() => resolve())) });
}
