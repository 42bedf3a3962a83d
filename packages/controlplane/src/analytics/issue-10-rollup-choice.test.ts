import { describe, expect, it } from 'vitest';
import { chooseSource, queryColumns, type AggregateScope, type AnalyticsSource, type SourceChoice } from './analytics-source.ts';

/**
 * Issue 10 (performance): a query reads the narrowest rollup holding every column it needs: the
 * org rollup (by model and outcome) for an organisation's overview, the team rollup only for a
 * team-scoped viewer or a team / project / environment filter or group, the key rollup only for a
 * key, and the raw events when no rollup has the columns or the range is off the grain.
 */

const HOUR = 3_600_000;
const to = new Date(Date.UTC(2026, 2, 10));
const from = new Date(to.getTime() - 7 * 24 * HOUR);
const org: AggregateScope = { orgId: 'org', scope: { visibleTeams: 'all' }, filters: {}, from, to };

function table(source: AnalyticsSource): string {
  return source === 'raw' ? 'raw' : source.table;
}

function choose(query: AggregateScope, groupBy: Parameters<typeof queryColumns>[1], extra: Partial<SourceChoice> = {}): string {
  return table(chooseSource({ from: query.from, to: query.to, bucket: 'HOUR', wholeHourZone: true, columns: queryColumns(query, groupBy), ...extra }));
}

describe('issue 10: the cheapest rollup that answers', () => {
  it('reads the org rollup for model, provider, status and error groups and filters', () => {
    for (const by of ['MODEL', 'UPSTREAM_MODEL', 'PROVIDER', 'STATUS_CODE', 'ERROR_CODE'] as const) expect(choose(org, by)).toBe('request_rollup_org_1h');
    expect(choose({ ...org, filters: { model: 'gpt', status: 'ERROR' } }, null)).toBe('request_rollup_org_1h');
    expect(choose(org, 'MODEL', { bucket: 'MINUTE' })).toBe('request_rollup_org_1m');
  });

  it('reads the team rollup only for team-scoped viewers and tenancy filters or groups', () => {
    expect(choose({ ...org, scope: { visibleTeams: new Set(['t1']) } }, 'MODEL')).toBe('request_rollup_team_1h');
    expect(choose({ ...org, scope: { visibleTeams: 'all', projectId: 'p' } }, 'MODEL')).toBe('request_rollup_team_1h');
    for (const by of ['PROJECT', 'ENVIRONMENT', 'ENVIRONMENT_NAME'] as const) expect(choose(org, by)).toBe('request_rollup_team_1h');
    // Teams alone: the per-team totals (migration 0007) have all it needs.
    expect(choose(org, 'TEAM')).toBe('request_rollup_team_total_1h');
    // No team minute rollup: a minute per team is about one request.
    expect(choose({ ...org, scope: { visibleTeams: new Set(['t1']) } }, 'MODEL', { bucket: 'MINUTE' })).toBe('raw');
  });

  it('reads the key rollup for keys, and the raw events for a key with a model or outcome', () => {
    expect(choose(org, 'KEY')).toBe('request_rollup_key_1h');
    expect(choose({ ...org, filters: { keyId: 'k' } }, null)).toBe('request_rollup_key_1h');
    expect(choose({ ...org, scope: { visibleTeams: new Set(['t1']) } }, 'KEY')).toBe('request_rollup_key_1h');
    expect(choose({ ...org, filters: { keyId: 'k' } }, 'MODEL')).toBe('raw');
    expect(choose({ ...org, filters: { keyId: 'k', status: 'ERROR' } }, null)).toBe('raw');
    expect(choose({ ...org, filters: { keyHashId: 'abc' } }, null)).toBe('raw');
  });

  it('falls back to a finer grain or the raw events off the grain, in half-hour zones and past a TTL', () => {
    const offHour = { ...org, from: new Date(from.getTime() + 60_000) };
    expect(choose(offHour, 'MODEL')).toBe('request_rollup_org_1m');
    expect(choose({ ...offHour, filters: { keyId: 'k' } }, null)).toBe('raw');
    expect(choose(org, 'MODEL', { wholeHourZone: false })).toBe('request_rollup_org_1m');
    expect(choose({ ...org, from: new Date(from.getTime() + 1) }, null)).toBe('raw');
    expect(choose(org, 'MODEL', { retention: { rawEvents: 0, minuteRollup: 0, hourRollup: 3 }, nowMs: to.getTime() })).toBe('request_rollup_org_1m');
  });
});
