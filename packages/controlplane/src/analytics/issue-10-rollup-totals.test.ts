import { describe, expect, it } from 'vitest';
import { chooseSource, queryColumns, type AggregateScope, type SourceChoice } from './analytics-source.ts';

/**
 * Issue 10 (p95 under 200 ms at 10M events): an ungrouped chart or a top-N total of an
 * organisation, or of a team-scoped viewer, reads the totals rollups of migration 0007 (one row
 * per org or team and bucket, so one percentile state per bucket), not the org or team rollup
 * keyed by model and outcome.
 */

const HOUR = 3_600_000;
const to = new Date(Date.UTC(2026, 2, 10));
const org: AggregateScope = { orgId: 'org', scope: { visibleTeams: 'all' }, filters: {}, from: new Date(to.getTime() - 30 * 24 * HOUR), to };

function choose(query: AggregateScope, extra: Partial<SourceChoice> = {}): string {
  const source = chooseSource({ from: query.from, to: query.to, bucket: 'HOUR', wholeHourZone: true, columns: queryColumns(query, null), ...extra });
  return source === 'raw' ? 'raw' : source.table;
}

describe('issue 10: totals rollups for ungrouped series and top-N totals', () => {
  it("reads the org totals rollup for an organisation's whole traffic, hourly and by minute", () => {
    expect(choose(org)).toBe('request_rollup_total_1h');
    expect(choose(org, { bucket: null })).toBe('request_rollup_total_1h');
    expect(choose(org, { bucket: 'MINUTE' })).toBe('request_rollup_total_1m');
    expect(choose(org, { wholeHourZone: false })).toBe('request_rollup_total_1m');
    expect(choose({ ...org, from: new Date(org.from.getTime() + 60_000) })).toBe('request_rollup_total_1m');
  });

  it("reads the team totals rollup for a team-scoped viewer or a team filter, and nothing narrower for other filters", () => {
    expect(choose({ ...org, scope: { visibleTeams: new Set(['t1', 't2']) } })).toBe('request_rollup_team_total_1h');
    expect(choose({ ...org, scope: { visibleTeams: 'all', teamId: 't1' } })).toBe('request_rollup_team_total_1h');
    expect(choose({ ...org, scope: { visibleTeams: 'all', projectId: 'p' } })).toBe('request_rollup_team_1h');
    expect(choose({ ...org, filters: { model: 'gpt' } })).toBe('request_rollup_org_1h');
  });
});
