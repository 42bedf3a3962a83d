import { describe, expect, it } from 'vitest';
import { requestsHref } from '../../lib/request-filter.ts';
import { groupDrillDown, readStackDimension } from './overview-drill.ts';

const RANGE = { from: '2026-01-01T00:00:00.000Z', to: '2026-01-02T00:00:00.000Z' };
const NO_SCOPE = { teamId: null, projectId: null, environment: null };

describe('overview drill-down (issue 10)', () => {
  it('opens the request log of the clicked group and range', () => {
    expect(requestsHref(groupDrillDown('MODEL', 'relay-mini', RANGE, NO_SCOPE))).toBe(
      '/requests?from=2026-01-01T00%3A00%3A00.000Z&to=2026-01-02T00%3A00%3A00.000Z&model=relay-mini',
    );
    expect(groupDrillDown('KEY', 'k1', RANGE, { ...NO_SCOPE, environment: 'staging' })).toMatchObject({ keyId: 'k1', environment: 'staging' });
    expect(groupDrillDown('TEAM', 't2', RANGE, { teamId: 't1', projectId: 'p1', environment: null })).toMatchObject({ teamId: 't2', projectId: null });
    expect(groupDrillDown('ENVIRONMENT_NAME', 'production', RANGE, NO_SCOPE)).toMatchObject({ environment: 'production' });
    expect(groupDrillDown('MODEL', null, RANGE, NO_SCOPE)).toEqual({ range: RANGE, ...NO_SCOPE });
  });

  it('stacks by model unless the link names another dimension', () => {
    expect(readStackDimension('KEY')).toBe('KEY');
    expect(readStackDimension('nonsense')).toBe('MODEL');
  });
});
