import { assertQueryRange } from '../../analytics/query-range.ts';
import { reconcileLedger, type ReconcileDifference, type ReconcileReport } from '../../ledger/reconcile.ts';
import { builder } from '../builder.ts';

const ReconcilePeriodEnum = builder.enumType('ReconcilePeriod', { description: 'Bucket width: a local hour or calendar day of the organisation’s time zone (DST-correct).', values: { HOUR: {}, DAY: {} } as const });
const ReconcileScopeEnum = builder.enumType('ReconcileScope', { description: 'What each bucket is split by.', values: { ORGANIZATION: {}, TEAM: {}, PROJECT: {}, KEY: {} } as const });

const ReconciliationDifferenceRef = builder.objectRef<ReconcileDifference>('ReconciliationDifference').implement({
  description: 'One bucket and scope where the ledger’s request debits and ClickHouse’s cost disagree.',
  fields: (t) => ({
    bucketStart: t.expose('bucketStart', { type: 'DateTime' }),
    scopeId: t.exposeString('scopeId', { description: 'The organisation’s, team’s, project’s or key’s id (empty when the requests had none).' }),
    ledgerMicros: t.expose('ledgerMicros', { type: 'Micros' }),
    clickhouseMicros: t.expose('clickhouseMicros', { type: 'Micros' }),
    requestIdsOnlyInLedger: t.stringList({ nullable: true, description: 'Null when too many to list.', resolve: (d) => d.requestIdsOnlyInLedger }),
    requestIdsOnlyInClickhouse: t.stringList({ nullable: true, description: 'Null when too many to list.', resolve: (d) => d.requestIdsOnlyInClickhouse }),
    requestIdsWithOtherAmounts: t.stringList({ nullable: true, description: 'On both sides with different amounts; null when too many to list.', resolve: (d) => d.requestIdsWithOtherAmounts }),
  }),
});

const ReconciliationReportRef = builder.objectRef<ReconcileReport>('ReconciliationReport').implement({
  description: 'The ledger compared with ClickHouse over [from, to): totals and every difference (none when they agree).',
  fields: (t) => ({
    from: t.expose('from', { type: 'DateTime' }),
    to: t.expose('to', { type: 'DateTime' }),
    ledgerMicros: t.expose('ledgerMicros', { type: 'Micros', description: 'Σ REQUEST debits in the ledger.' }),
    clickhouseMicros: t.expose('clickhouseMicros', { type: 'Micros', description: 'Σ cost_micros of distinct priced requests in ClickHouse.' }),
    cellsCompared: t.exposeInt('cellsCompared', { description: '(bucket, scope) cells seen on either side.' }),
    differences: t.field({ type: [ReconciliationDifferenceRef], resolve: (r) => r.differences }),
  }),
});

builder.queryFields((t) => ({
  ledgerReconciliation: t.field({
    authScopes: { org: 'spend:read' },
    type: ReconciliationReportRef,
    description:
      'Compares, per period bucket (a local hour or day in the organisation’s time zone, as budget windows) and scope, the ledger’s request debits with ClickHouse’s cost over distinct request ids, and lists every difference. `relay reconcile` runs the same comparison from the command line.',
    args: {
      from: t.arg({ type: 'DateTime', required: true }),
      to: t.arg({ type: 'DateTime', required: true }),
      period: t.arg({ type: ReconcilePeriodEnum, defaultValue: 'HOUR' }),
      scope: t.arg({ type: ReconcileScopeEnum, defaultValue: 'ORGANIZATION' }),
    },
    resolve: (_root, args, ctx) => {
      assertQueryRange(args.from, args.to);
      return reconcileLedger(ctx.prisma, ctx.deps.clickhouse, { orgId: ctx.principal.orgId, from: args.from, to: args.to, period: args.period ?? 'HOUR', scope: args.scope ?? 'ORGANIZATION' });
    },
  }),
}));
