import { describe, expect, it } from 'vitest';
import { readExplicitRange, readRequestFilter, requestFilterParams, requestsHref } from './request-filter.ts';

describe('request log filters in the URL and drill-down links (issue 10)', () => {
  it('round-trips every filter through a drill-down link', () => {
    const range = { from: '2026-01-01T10:00:00.000Z', to: '2026-01-01T11:00:00.000Z' };
    const href = requestsHref({ range, keyId: 'key_1', model: 'relay-mini', errorCode: 'upstream_error', status: 'ERROR', teamId: 't1', projectId: 'p1', environment: 'production' });
    const params = Object.fromEntries(new URL(href, 'http://x').searchParams);
    expect(new URL(href, 'http://x').pathname).toBe('/requests');
    expect(readRequestFilter(params)).toEqual({ keyId: 'key_1', model: 'relay-mini', errorCode: 'upstream_error', status: 'ERROR' });
    expect(readExplicitRange(params)).toEqual(range);
    expect(params).toMatchObject({ team: 't1', project: 'p1', env: 'production' });
  });

  it('names only what is set, and ignores junk in a link', () => {
    expect(requestsHref({ model: 'gpt-4o' })).toBe('/requests?model=gpt-4o');
    expect(requestsHref({})).toBe('/requests');
    expect(readRequestFilter({ key: 'a b', model: '<script>', status: 'MAYBE', error: '' })).toEqual({ keyId: null, model: null, errorCode: null, status: null });
    expect(readExplicitRange({ from: '2026-01-02T00:00:00Z', to: '2026-01-01T00:00:00Z' })).toBeNull();
    expect(readExplicitRange({ from: 'yesterday', to: '2026-01-01T00:00:00Z' })).toBeNull();
    expect(requestFilterParams({ keyId: null, model: 'm', errorCode: null, status: null })).toEqual({ key: undefined, model: 'm', error: undefined, status: undefined });
  });
});
