import { assertQueryRange } from '../../analytics/query-range.ts';
import { checkSpendLimit, querySpend, SPEND_ROW_LIMIT, type SpendAggregate } from '../../analytics/spend-query.ts';
import { loadScopeLabels } from '../../domain/scope-labels.ts';
import { analyticsAuthScopes, eventScopeOf } from '../analytics-scope.ts';
import { builder } from '../builder.ts';
import { SpendGroupByEnum } from './enums.ts';

type SpendRowShape = SpendAggregate & { keyName: string | null; keyPrefix: string | null; teamName: string | null; projectName: string | null };

const SpendRowRef = builder.objectRef<SpendRowShape>('SpendRow').implement({
  description: 'One group of a spend report (a key, model, team, project or environment), or the totals (every id null).',
  fields: (t) => ({
    keyId: t.exposeID('keyId', { nullable: true }),
    keyName: t.exposeString('keyName', { nullable: true }),
    keyPrefix: t.exposeString('keyPrefix', { nullable: true }),
    model: t.exposeString('model', { nullable: true, description: 'Model alias the client asked for.' }),
    teamId: t.exposeID('teamId', { nullable: true, description: 'Team of the group (groups by key, team, project or environment).' }),
    teamName: t.exposeString('teamName', { nullable: true }),
    projectId: t.exposeID('projectId', { nullable: true, description: 'Project of the group (groups by key, project or environment).' }),
    projectName: t.exposeString('projectName', { nullable: true }),
    environmentId: t.exposeID('environmentId', { nullable: true, description: 'Project environment of the group (groups by key or environment).' }),
    environment: t.exposeString('environment', { nullable: true, description: 'Name of that environment (`production`, `staging`, …).' }),
    requests: t.expose('requests', { type: 'Count' }),
    errors: t.expose('errors', { type: 'Count', description: 'Requests answered with HTTP status 400 or above.' }),
    promptTokens: t.expose('promptTokens', { type: 'Count' }),
    completionTokens: t.expose('completionTokens', { type: 'Count' }),
    cachedTokens: t.expose('cachedTokens', { type: 'Count' }),
    costMicros: t.expose('costMicros', { type: 'Micros' }),
    costSavedMicros: t.expose('costSavedMicros', {
      type: 'Micros',
      description: 'Saved by response cache hits (what the cached answers cost) and by fallbacks to cheaper routes (primary price minus actual).',
    }),
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
    authScopes: analyticsAuthScopes('spend:read'),
    type: SpendReportRef,
    description:
      'Requests, tokens, errors, latency and cost over [from, to), from ClickHouse: of the teams you may see, narrowed by the team, project and environment arguments. Naming a team, project or environment your role does not cover is `forbidden`.',
    args: {
      from: t.arg({ type: 'DateTime', required: true }),
      to: t.arg({ type: 'DateTime', required: true }),
      groupBy: t.arg({ type: SpendGroupByEnum, required: true }),
      limit: t.arg.int({
        description: `Groups to return, most expensive first: ${SPEND_ROW_LIMIT.min}–${SPEND_ROW_LIMIT.max} (default ${SPEND_ROW_LIMIT.default}); a larger value is an error.`,
      }),
      teamId: t.arg.id(),
      projectId: t.arg.id(),
      environmentId: t.arg.id({ description: 'One project environment.' }),
      environment: t.arg.string({ description: 'An environment name (`production`), across every project.' }),
    },
    resolve: async (_root, args, ctx) => {
      const { from, to, groupBy, limit } = args;
      assertQueryRange(from, to);
      checkSpendLimit(limit, 'limit');
      const orgId = ctx.principal.orgId;
      const scope = eventScopeOf(ctx, 'spend:read', args);
      const result = await querySpend(ctx.deps.clickhouse, { orgId, scope, from, to, groupBy, limit });
      // Names for every row in one round trip after the ClickHouse query, never one per row.
      const labels = await loadScopeLabels(ctx.prisma, orgId, {
        keyIds: result.rows.map((row) => row.keyId),
        teamIds: result.rows.map((row) => row.teamId),
        projectIds: result.rows.map((row) => row.projectId),
      });
      const label = (row: SpendAggregate): SpendRowShape => {
        const key = row.keyId === null ? undefined : labels.keys.get(row.keyId);
        return {
          ...row,
          keyName: key?.name ?? null,
          keyPrefix: key?.prefix ?? null,
          teamName: row.teamId === null ? null : (labels.teams.get(row.teamId) ?? null),
          projectName: row.projectId === null ? null : (labels.projects.get(row.projectId) ?? null),
        };
      };
      return { from, to, totals: label(result.totals), rows: result.rows.map(label), truncated: result.truncated };
    },
  }),
}));
