import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertRequestEvents } from '@proxystacks/shared/events/insert-request-events';
import type { RequestEvent } from '@proxystacks/shared/events/request-event';
import { formatEventTime } from '@proxystacks/shared/events/request-events-ddl';
import { testRequestEvent } from '@proxystacks/shared/events/test-request-event';
import { reconcileLedger } from '../src/ledger/reconcile.ts';
import { postRequestCharges } from '../src/ledger/request-postings.ts';
import { startGraphQLHarness, type GraphQLHarness } from './graphql/graphql-harness.ts';
import { testDatabaseKinds } from './support/test-database.ts';

interface Difference {
  bucketStart: string;
  scopeId: string;
  ledgerMicros: string;
  clickhouseMicros: string;
  requestIdsOnlyInLedger: string[] | null;
  requestIdsOnlyInClickhouse: string[] | null;
}

/**
 * Issue 8, reconciliation in the organisation's time zone: day buckets start at local midnight
 * and follow DST (America/New_York falls back on 2026-11-01, so that local day is 25 hours),
 * hour buckets of a :30 zone start at :30 UTC, through the `ledgerReconciliation` query and the
 * every-organisation comparison `relay reconcile` runs. Each side gets its own known requests
 * (ledger-only and ClickHouse-only), so every bucket differs and shows what fell into it.
 */
describe.each(testDatabaseKinds())('issue 8: reconciliation buckets in the organisation time zone (%s)', (database) => {
  let h: GraphQLHarness;
  const ledgerOnly: RequestEvent[] = [];
  const clickhouseOnly: RequestEvent[] = [];
  let kolkataOrgId: string;
  const unknownOrgId = randomUUID();

  /** Instants around New York's fall-back day, with their local dates. */
  const NY = {
    oct31Late: '2026-11-01T03:30:00.000Z', // Oct 31, 23:30 EDT
    nov1Early: '2026-11-01T04:30:00.000Z', // Nov 1, 00:30 EDT
    nov1Late: '2026-11-02T04:30:00.000Z', // Nov 1, 23:30 EST (UTC date Nov 2; an EDT-fixed day would miss it)
    nov2Early: '2026-11-02T05:30:00.000Z', // Nov 2, 00:30 EST
  };
  const event = (orgId: string, at: string, cost: number) => testRequestEvent({ org_id: orgId, ts: formatEventTime(Date.parse(at)), cost_micros: cost, prompt_tokens: 1, completion_tokens: 1, pricing_rule_id: 'rule-test', pricing_rule_version: 1 });
  const range = { from: '2026-10-30T00:00:00.000Z', to: '2026-11-04T00:00:00.000Z' };

  beforeAll(async () => {
    h = await startGraphQLHarness({ database });
    await h.ok('mutation { setOrganizationTimeZone(timeZone: "America/New_York") { id } }');
    kolkataOrgId = (await h.db.prisma.organization.create({ data: { name: 'kolkata', timeZone: 'Asia/Kolkata' } })).id;
    const times = [NY.oct31Late, NY.nov1Early, NY.nov1Late, NY.nov2Early];
    for (const [i, at] of times.entries()) {
      ledgerOnly.push(event(h.orgId, at, 10 ** i));
      clickhouseOnly.push(event(h.orgId, at, 2 * 10 ** i));
    }
    // Kolkata is UTC+5:30: 12:40 UTC is in the local hour 18:00–19:00, which starts at 12:30 UTC.
    ledgerOnly.push(event(kolkataOrgId, '2026-11-02T12:40:00.000Z', 7));
    // An organisation Postgres does not know: never debited, still listed (UTC buckets).
    clickhouseOnly.push(event(unknownOrgId, '2026-11-02T12:40:00.000Z', 9));
    await postRequestCharges(h.db.prisma, ledgerOnly, { warn: () => undefined });
    await insertRequestEvents(h.clickhouse.inserter, h.clickhouse.database, `tz-${randomUUID()}`, clickhouseOnly);
  }, 120_000);

  afterAll(() => h?.close());

  const ids = (events: RequestEvent[], ...indexes: number[]) => indexes.map((i) => events[i]!.request_id).sort();

  it('buckets days at local midnight across the DST change (GraphQL ledgerReconciliation)', async () => {
    const { ledgerReconciliation: report } = await h.ok<{ ledgerReconciliation: { differences: Difference[] } }>(
      `query($from: DateTime!, $to: DateTime!) { ledgerReconciliation(from: $from, to: $to, period: DAY, scope: ORGANIZATION) {
        differences { bucketStart scopeId ledgerMicros clickhouseMicros requestIdsOnlyInLedger requestIdsOnlyInClickhouse } } }`,
      range,
    );
    expect(report.differences).toEqual([
      // Oct 31 (EDT, starts 04:00 UTC)
      { bucketStart: '2026-10-31T04:00:00.000Z', scopeId: h.orgId, ledgerMicros: '1', clickhouseMicros: '2', requestIdsOnlyInLedger: ids(ledgerOnly, 0), requestIdsOnlyInClickhouse: ids(clickhouseOnly, 0) },
      // Nov 1: 25 hours, 04:00 UTC (EDT midnight) to 05:00 UTC the next day (EST midnight)
      { bucketStart: '2026-11-01T04:00:00.000Z', scopeId: h.orgId, ledgerMicros: '110', clickhouseMicros: '220', requestIdsOnlyInLedger: ids(ledgerOnly, 1, 2), requestIdsOnlyInClickhouse: ids(clickhouseOnly, 1, 2) },
      // Nov 2 (EST, starts 05:00 UTC)
      { bucketStart: '2026-11-02T05:00:00.000Z', scopeId: h.orgId, ledgerMicros: '1000', clickhouseMicros: '2000', requestIdsOnlyInLedger: ids(ledgerOnly, 3), requestIdsOnlyInClickhouse: ids(clickhouseOnly, 3) },
    ]);
  });

  it('compares every organisation in its own zone, and unknown organisations in UTC (relay reconcile)', async () => {
    const report = await reconcileLedger(h.db.prisma, h.clickhouse, { orgId: null, from: new Date(range.from), to: new Date(range.to), period: 'HOUR', scope: 'ORGANIZATION' });
    const cells = report.differences.map((d) => [d.orgId, d.bucketStart.toISOString(), String(d.ledgerMicros), String(d.clickhouseMicros)]);
    expect(cells).toContainEqual([kolkataOrgId, '2026-11-02T12:30:00.000Z', '7', '0']);
    expect(cells).toContainEqual([unknownOrgId, '2026-11-02T12:00:00.000Z', '0', '9']);
    // New York's repeated 01:00–02:00 local hour and its other hours: one bucket per real hour.
    expect(cells.filter(([org]) => org === h.orgId).map(([, bucket]) => bucket)).toEqual(['2026-11-01T03:00:00.000Z', '2026-11-01T04:00:00.000Z', '2026-11-02T04:00:00.000Z', '2026-11-02T05:00:00.000Z']);

    const days = await reconcileLedger(h.db.prisma, h.clickhouse, { orgId: null, from: new Date(range.from), to: new Date(range.to), period: 'DAY', scope: 'ORGANIZATION' });
    expect(days.differences.filter((d) => d.orgId === h.orgId).map((d) => d.bucketStart.toISOString())).toEqual(['2026-10-31T04:00:00.000Z', '2026-11-01T04:00:00.000Z', '2026-11-02T05:00:00.000Z']);
    expect(days.differences.find((d) => d.orgId === kolkataOrgId)?.bucketStart.toISOString()).toBe('2026-11-01T18:30:00.000Z');
    expect(days.ledgerMicros).toBe(1111n + 7n);
    expect(days.clickhouseMicros).toBe(2222n + 9n);
  });
});
