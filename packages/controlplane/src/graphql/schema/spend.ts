import { querySpend, type SpendAggregate } from '../../analytics/spend-query.ts';
import { InputError } from '../../domain/input-error.ts';
import { isUuid } from '../../domain/input-schemas.ts';
import type { PrismaClient } from '../../generated/prisma/client.ts';
import { builder } from '../builder.ts';
import { SpendGroupByEnum } from './enums.ts';

/** Longest range a spend report covers (a leap year), so one query cannot scan everything. */
const MAX_RANGE_MS = 366 * 24 * 3_600_000;

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
  .objectRef<{ from: Date; to: Date; totals: SpendRowShape; rows: SpendRowShape[] }>('SpendReport')
  .implement({
    description: 'Spend over [from, to), most expensive group first.',
    fields: (t) => ({
      from: t.expose('from', { type: 'DateTime' }),
      to: t.expose('to', { type: 'DateTime' }),
      totals: t.field({ type: SpendRowRef, resolve: (report) => report.totals }),
      rows: t.field({ type: [SpendRowRef], resolve: (report) => report.rows }),
    }),
  });

builder.queryFields((t) => ({
  spend: t.field({
    type: SpendReportRef,
    description: 'Requests, tokens, errors, latency and cost of your organization over [from, to), from ClickHouse.',
    args: {
      from: t.arg({ type: 'DateTime', required: true }),
      to: t.arg({ type: 'DateTime', required: true }),
      groupBy: t.arg({ type: SpendGroupByEnum, required: true }),
    },
    resolve: async (_root, { from, to, groupBy }, ctx) => {
      if (from.getTime() >= to.getTime()) throw new InputError('`from` must be before `to`.', 'BAD_USER_INPUT', 'from');
      if (to.getTime() - from.getTime() > MAX_RANGE_MS) {
        throw new InputError('The range may span at most 366 days.', 'BAD_USER_INPUT', 'to');
      }
      const orgId = ctx.admin.orgId;
      const result = await querySpend(ctx.deps.clickhouse, { orgId, from, to, groupBy });
      const keys = await loadKeyLabels(ctx.prisma, orgId, result.rows);
      const label = (row: SpendAggregate): SpendRowShape => {
        const key = row.keyId === null ? undefined : keys.get(row.keyId);
        return { ...row, keyName: key?.name ?? null, keyPrefix: key?.prefix ?? null };
      };
      return { from, to, totals: label(result.totals), rows: result.rows.map(label) };
    },
  }),
}));

/** Names and prefixes of the keys in `rows`, in one query, limited to the caller's org. */
async function loadKeyLabels(
  prisma: PrismaClient,
  orgId: string,
  rows: SpendAggregate[],
): Promise<Map<string, { name: string; prefix: string }>> {
  // Events carry whatever key id the data plane wrote; a non-UUID would make Postgres reject the whole query.
  const ids = [...new Set(rows.map((r) => r.keyId).filter((id): id is string => id !== null && isUuid(id)))];
  if (ids.length === 0) return new Map();
  const found = await prisma.apiKey.findMany({ where: { orgId, id: { in: ids } }, select: { id: true, name: true, prefix: true } });
  return new Map(found.map((k) => [k.id, { name: k.name, prefix: k.prefix }]));
}
