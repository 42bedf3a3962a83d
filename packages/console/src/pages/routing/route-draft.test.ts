import { describe, expect, it } from 'vitest';
import { emptyRouteDraft, parseRouteDraft } from './route-draft.ts';

describe('parseRouteDraft', () => {
  it('trims the model and parses priority and weight', () => {
    const draft = { providerId: 'p1', upstreamModel: ' gpt-4o-mini ', priority: ' 10 ', weight: '3', environment: '' };
    expect(parseRouteDraft(draft)).toEqual({ ok: true, input: { providerId: 'p1', upstreamModel: 'gpt-4o-mini', priority: 10, weight: 3 } });
  });

  it('starts from the server defaults', () => {
    expect(parseRouteDraft({ ...emptyRouteDraft('p1'), upstreamModel: 'm' })).toEqual({
      ok: true,
      input: { providerId: 'p1', upstreamModel: 'm', priority: 0, weight: 1 },
    });
  });

  it('sends the environment only for an environment-specific route', () => {
    expect(parseRouteDraft({ ...emptyRouteDraft('p1'), upstreamModel: 'm', environment: 'staging' })).toEqual({
      ok: true,
      input: { providerId: 'p1', upstreamModel: 'm', priority: 0, weight: 1, environment: 'staging' },
    });
  });

  it.each([
    [{ providerId: '' }, 'providerId'],
    [{ upstreamModel: '  ' }, 'upstreamModel'],
    [{ priority: '-1' }, 'priority'],
    [{ priority: '1001' }, 'priority'],
    [{ priority: '1.5' }, 'priority'],
    [{ priority: '' }, 'priority'],
    [{ weight: '0' }, 'weight'],
    [{ weight: '2e2' }, 'weight'],
  ] as const)('refuses %j naming the %s field', (patch, field) => {
    const result = parseRouteDraft({ ...emptyRouteDraft('p1'), upstreamModel: 'm', ...patch });
    expect(result).toMatchObject({ ok: false, field });
  });
});
