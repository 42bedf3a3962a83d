import { assertQueryRange } from '../../analytics/query-range.ts';
import { checkSpendLimit, querySpend, SPEND_ROW_LIMIT, type SpendAggregate } from '../../analytics/spend-query.ts';
import { loadKeyLabels } from '../../domain/key-labels.ts';
import { builder } from '../builder.ts';
import { SpendGroupByEnum } from './enums.ts';

type SpendRowShape = SpendAggregate & { keyName: string | null; keyPrefix: string | null };

const SpendRowRef = builder.objectRef<SpendRowShape>('SpendRow').implement({
  description: 'One group of a spend report (a key or a model), or the totals (both null).',
  fields: (t) => ({
    keyId: t.exposeID('keyId', { nullable: true }),
    keyName: t.exposeString('keyName', { nullable: true }),
    keyPrefix: t.exposeString('keyPrefix', { nullable: true }),
    model: t.exposeString('model', { nullable: true, description: 'Model alias the client asked for.' }),
    requests: t.expose('requests', { type: 'Count' }),
    errors: t.expose('errors', { type: 'Count', description: 'Requests answered with HTTP status 400 or above.' }),
    promptTokens: t.expose('promptTokens', { type: 'Count' }),
    completionTokens: t.expose('completionTokens', { type: 'Count' }),
    cachedTokens: t.expose('cachedTokens', { type: 'Count' }),
    costMicros: t.expose('costMicros', { type: 'Micros' }),
    p50LatencyMs: t.exposeFloat('p50LatencyMs', { nullable: true }),
    p95LatencyMs: t.exposeFloat('p95LatencyMs', { nullable: true }),
  }),
});

const SpendReportRef = builder
  .objectRef<{ from: Date; to: Date; totals: SpendRowShape; rows: SpendRowShape[]; truncated: boolean }>('SpendReport')
  .implement({
    description: 'Spend over [from, to), most expensive group first.',
    fields: (t) => ({
      from: t.expose('from', { type: 'DateTime' }),
      to: t.expose('to', { type: 'DateTime' }),
      totals: t.field({ type: SpendRowRef, resolve: (report) => report.totals }),
      rows: t.field({ type: [SpendRowRef], resolve: (report) => report.rows }),
      truncated: t.exposeBoolean('truncated', {
        description: 'True when more groups exist than `limit`: `rows` are the most expensive ones; `totals` still cover every request.',
      }),
    }),
  });

builder.queryFields((t) => ({
  spend: t.field({
    authScopes: { anyTeam: 'spend:read' },
    type: SpendReportRef,
    description: 'Requests, tokens, errors, latency and cost of your organization over [from, to), from ClickHouse.',
    args: {
      from: t.arg({ type: 'DateTime', required: true }),
      to: t.arg({ type: 'DateTime', required: true }),
      groupBy: t.arg({ type: SpendGroupByEnum, required: true }),
      limit: t.arg.int({
        description: `Groups to return, most expensive first: ${SPEND_ROW_LIMIT.min}–${SPEND_ROW_LIMIT.max} (default ${SPEND_ROW_LIMIT.default}); a larger value is an error.`,
      }),
    },
    resolve: async (_root, { from, to, groupBy, limit }, ctx) => {
      assertQueryRange(from, to);
      checkSpendLimit(limit, 'limit');
      const orgId = ctx.principal.orgId;
      const result = await querySpend(ctx.deps.clickhouse, { orgId, from, to, groupBy, limit });
      const keys = await loadKeyLabels(ctx.prisma, orgId, result.rows.map((row) => row.keyId));
      const label = (row: SpendAggregate): SpendRowShape => {
        const key = row.keyId === null ? undefined : keys.get(row.keyId);
        return { ...row, keyName: key?.name ?? null, keyPrefix: key?.prefix ?? null };
      };
      return { from, to, totals: label(result.totals), rows: result.rows.map(label), truncated: result.truncated };
    },
  }),
}));
