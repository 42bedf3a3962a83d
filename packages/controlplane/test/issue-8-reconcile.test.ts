import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createControlplaneSink } from '@proxystacks/dataplane/events/controlplane-sink';
import { insertRequestEvents } from '@proxystacks/shared/events/insert-request-events';
import { postRequestCharges } from '../src/ledger/request-postings.ts';
import { eventually } from './e2e/graphql-client.ts';
import { spawnRelay } from './e2e/relay-process.ts';
import { startLedgerRelay, type LedgerRelay } from './support/ledger-relay.ts';
import { testDatabaseKinds } from './support/test-database.ts';

interface Report {
  ledgerMicros: string;
  clickhouseMicros: string;
  cellsCompared: number;
  differences: Array<{ bucketStart: string; scopeId: string; ledgerMicros: string; clickhouseMicros: string; requestIdsOnlyInLedger: string[] | null; requestIdsOnlyInClickhouse: string[] | null; requestIdsWithOtherAmounts: string[] | null }>;
}

/**
 * Issue 8, reconciliation: after real traffic through the relay (mock provider, priced alias) the
 * ledger and ClickHouse agree in every bucket and scope, also when a batch was inserted twice; a
 * planted difference on either side is listed with its request id; `relay reconcile` exits 0
 * without differences and 1 with them.
 */
describe.each(testDatabaseKinds())('ledger reconciliation (%s)', (kind) => {
  let t: LedgerRelay;
  const window = () => ({ from: new Date(Date.now() - 3_600_000).toISOString(), to: new Date(Date.now() + 3_600_000).toISOString() });

  beforeAll(async () => {
    t = await startLedgerRelay(kind);
  }, 180_000);

  afterAll(() => t?.close());

  async function reconcile(period: string, scope: string): Promise<Report> {
    const response = await fetch(`${t.relay.controlplaneUrl}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${t.relay.adminToken}` },
      body: JSON.stringify({
        query: `query($from: DateTime!, $to: DateTime!, $period: ReconcilePeriod, $scope: ReconcileScope) { ledgerReconciliation(from: $from, to: $to, period: $period, scope: $scope) {
          ledgerMicros clickhouseMicros cellsCompared differences { bucketStart scopeId ledgerMicros clickhouseMicros requestIdsOnlyInLedger requestIdsOnlyInClickhouse requestIdsWithOtherAmounts } } }`,
        variables: { ...window(), period, scope },
      }),
    });
    const body = (await response.json()) as { data: { ledgerReconciliation: Report }; errors?: unknown };
    expect(body.errors).toBeUndefined();
    return body.data.ledgerReconciliation;
  }

  async function runCli(): Promise<{ code: number | string; stdout: string }> {
    const cli = spawnRelay('reconcile', { RELAY_DATA_DIR: t.dataDir, ...(t.databaseUrl === null ? {} : { DATABASE_URL: t.databaseUrl }) }, ['--from', window().from, '--to', window().to, '--scope', 'key']);
    const code = await cli.exitCode();
    return { code, stdout: `${cli.stdout()}${cli.stderr()}` };
  }

  it('finds no difference after real traffic, by hour and day, for every scope, even with a batch inserted twice', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 8; i++) ids.push(await t.chat({ stream: i % 2 === 0 }));
    await t.waitForEvents(ids);
    await eventually(async () => ((await t.relay.services.db.prisma.ledgerTransaction.count({ where: { requestId: { in: ids } } })) === ids.length ? true : undefined), 'the requests in the ledger');
    // The same events again under another batch id: ClickHouse keeps both rows until a merge, the ledger one posting.
    const ch = t.relay.services.clickhouse;
    const rows = await (await ch.client.query({ query: `SELECT * EXCEPT inserted_at FROM ${ch.database}.request_events WHERE request_id IN {ids:Array(String)}`, query_params: { ids }, format: 'JSONEachRow' })).json<never>();
    await createControlplaneSink({ controlplaneUrl: t.relay.controlplaneUrl, internalToken: t.internalToken }).write(`again-${ids[0]}`, rows);

    for (const period of ['HOUR', 'DAY']) {
      for (const scope of ['ORGANIZATION', 'TEAM', 'PROJECT', 'KEY']) {
        const report = await reconcile(period, scope);
        expect(report.differences, `${period} × ${scope}`).toEqual([]);
        expect(BigInt(report.ledgerMicros)).toBeGreaterThan(0n);
        expect(report.ledgerMicros).toBe(report.clickhouseMicros);
      }
    }
  });

  it('`relay reconcile` exits 0 when the ledger and ClickHouse agree', async () => {
    await t.stop();
    const { code, stdout } = await runCli();
    expect(stdout).toMatch(/cells compared, 0 differ\./);
    expect(code).toBe(0);
    await t.restart();
  }, 120_000);

  it('lists a planted difference on either side with its request id, and the CLI exits 1', async () => {
    const ch = t.relay.services.clickhouse;
    // Spend ClickHouse has and the ledger never saw (an event written around the ingest)…
    const unbilled = t.pricedEvent({ cost_micros: 777 });
    await insertRequestEvents(ch.inserter, ch.database, `planted-${unbilled.request_id}`, [unbilled]);
    // …and a debit with no event behind it.
    const phantom = t.pricedEvent({ cost_micros: 555 });
    await postRequestCharges(t.relay.services.db.prisma, [phantom], { warn: () => undefined });

    const report = await reconcile('HOUR', 'KEY');
    expect(report.differences).toHaveLength(1);
    expect(report.differences[0]).toMatchObject({
      scopeId: t.demo.keyId,
      requestIdsOnlyInLedger: [phantom.request_id],
      requestIdsOnlyInClickhouse: [unbilled.request_id],
      requestIdsWithOtherAmounts: [],
    });
    expect(BigInt(report.differences[0]!.clickhouseMicros) - BigInt(report.differences[0]!.ledgerMicros)).toBe(777n - 555n);

    await t.stop();
    const { code, stdout } = await runCli();
    expect(stdout).toMatch(/1 differ\./);
    expect(stdout).toContain(`only in ledger: ${phantom.request_id}`);
    expect(stdout).toContain(`only in ClickHouse: ${unbilled.request_id}`);
    expect(code).toBe(1);
  }, 120_000);
});
