import { describe, expect, it } from 'vitest';
import { readScopeGrouping, scopeGroupingParam } from './spend-grouping.ts';

describe('spend grouping in the query string', () => {
  it('reads team, project and environment, case-insensitively', () => {
    expect(readScopeGrouping('environment')).toBe('ENVIRONMENT');
    expect(readScopeGrouping('Team')).toBe('TEAM');
    expect(readScopeGrouping(['project', 'team'])).toBe('PROJECT');
  });

  it('falls back to project for anything else', () => {
    expect(readScopeGrouping(undefined)).toBe('PROJECT');
    expect(readScopeGrouping('key')).toBe('PROJECT');
    expect(readScopeGrouping('')).toBe('PROJECT');
  });

  it('writes the grouping back, leaving the default out', () => {
    for (const id of ['TEAM', 'PROJECT', 'ENVIRONMENT'] as const) expect(readScopeGrouping(scopeGroupingParam(id))).toBe(id);
    expect(scopeGroupingParam('PROJECT')).toBeUndefined();
    expect(scopeGroupingParam('ENVIRONMENT')).toBe('environment');
  });
});
