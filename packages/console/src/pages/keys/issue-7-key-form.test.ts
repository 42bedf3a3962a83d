import { describe, expect, it } from 'vitest';
import type { TeamNode } from '../teams/teams.graphql.ts';
import { checkKeyDraft, completePlacement, keyDisplayStatus, type KeyDraft } from './key-form.ts';

const NOW = Date.parse('2026-11-28T12:00:00Z');

const env = (id: string, name: string) => ({ id, name });
const TEAMS: TeamNode[] = [
  {
    id: 't-acme',
    name: 'Acme',
    projects: [
      { id: 'p-web', name: 'web', environments: [env('e-web-dev', 'development'), env('e-web-prod', 'production')] },
      { id: 'p-default', name: 'default', environments: [env('e-def-dev', 'development'), env('e-def-prod', 'production'), env('e-def-stg', 'staging')] },
    ],
  },
  { id: 't-zeta', name: 'Zeta', projects: [{ id: 'p-z', name: 'api', environments: [env('e-z-stg', 'staging')] }] },
];

describe('completePlacement (the default team is the one that exists)', () => {
  it('picks the first listed team, its default project and production, with no team named "default"', () => {
    expect(completePlacement(TEAMS)).toEqual({ teamId: 't-acme', projectId: 'p-default', environmentId: 'e-def-prod' });
  });

  it('uses the only team there is, whatever its name', () => {
    expect(completePlacement([TEAMS[1]!])).toEqual({ teamId: 't-zeta', projectId: 'p-z', environmentId: 'e-z-stg' });
  });

  it('keeps what the user chose, and completes the levels below it', () => {
    expect(completePlacement(TEAMS, { teamId: 't-acme', projectId: 'p-web' })).toEqual({ teamId: 't-acme', projectId: 'p-web', environmentId: 'e-web-prod' });
    expect(completePlacement(TEAMS, { teamId: 't-acme', projectId: 'p-default', environmentId: 'e-def-stg' }).environmentId).toBe('e-def-stg');
  });

  it('replaces a choice that is no longer in the tree', () => {
    expect(completePlacement(TEAMS, { teamId: 't-gone', projectId: 'p-web', environmentId: 'e-web-dev' })).toEqual({
      teamId: 't-acme',
      projectId: 'p-web',
      environmentId: 'e-web-dev',
    });
    // An environment of another project does not survive a project change.
    expect(completePlacement(TEAMS, { teamId: 't-acme', projectId: 'p-web', environmentId: 'e-def-stg' }).environmentId).toBe('e-web-prod');
  });

  it('is empty when the viewer may write to no team', () => {
    expect(completePlacement([])).toEqual({ teamId: '', projectId: '', environmentId: '' });
    expect(completePlacement([{ id: 't', name: 'T', projects: [] }])).toEqual({ teamId: 't', projectId: '', environmentId: '' });
  });
});

const draft = (patch: Partial<KeyDraft> = {}): KeyDraft => ({
  name: 'billing-service',
  environmentId: 'e-def-prod',
  expiry: 'never',
  expiryDate: '',
  allowedAliases: [],
  labels: [],
  ...patch,
});

describe('checkKeyDraft', () => {
  it('turns a minimal draft into createKey input placed by environment', () => {
    expect(checkKeyDraft(draft({ name: '  billing-service ' }), NOW)).toEqual({ ok: true, input: { name: 'billing-service', environmentId: 'e-def-prod' } });
  });

  it('sends expiry, a sorted de-duplicated allow-list and labels, skipping blank label rows', () => {
    const checked = checkKeyDraft(
      draft({ expiry: '30d', allowedAliases: ['relay-mini', 'gpt-4o', 'relay-mini'], labels: [{ key: 'team', value: 'billing' }, { key: ' ', value: '' }, { key: 'cost.center', value: '42' }] }),
      NOW,
    );
    expect(checked).toEqual({
      ok: true,
      input: {
        name: 'billing-service',
        environmentId: 'e-def-prod',
        expiresAt: new Date(NOW + 30 * 86_400_000).toISOString(),
        allowedAliases: ['gpt-4o', 'relay-mini'],
        labels: [{ key: 'team', value: 'billing' }, { key: 'cost.center', value: '42' }],
      },
    });
  });

  it('refuses what the server would refuse', () => {
    expect(checkKeyDraft(draft({ name: '  ' }), NOW)).toMatchObject({ ok: false, field: 'name' });
    expect(checkKeyDraft(draft({ expiry: 'custom', expiryDate: '' }), NOW)).toMatchObject({ ok: false, field: 'expiry' });
    expect(checkKeyDraft(draft({ expiry: 'custom', expiryDate: '2020-01-01' }), NOW)).toMatchObject({ ok: false, field: 'expiry' });
    expect(checkKeyDraft(draft({ labels: [{ key: '', value: 'orphan' }] }), NOW)).toMatchObject({ ok: false, field: 'labels' });
    expect(checkKeyDraft(draft({ labels: [{ key: 'has space', value: 'x' }] }), NOW)).toMatchObject({ ok: false, field: 'labels' });
    expect(checkKeyDraft(draft({ labels: [{ key: 'a', value: '1' }, { key: 'a', value: '2' }] }), NOW)).toMatchObject({ ok: false, field: 'labels', message: expect.stringContaining('twice') });
    expect(checkKeyDraft(draft({ labels: [{ key: 'a', value: 'x'.repeat(257) }] }), NOW)).toMatchObject({ ok: false, field: 'labels' });
    const many = Array.from({ length: 33 }, (_, i) => ({ key: `k${i}`, value: '' }));
    expect(checkKeyDraft(draft({ labels: many }), NOW)).toMatchObject({ ok: false, field: 'labels' });
  });

  it('expires a custom date at the end of that local day', () => {
    const checked = checkKeyDraft(draft({ expiry: 'custom', expiryDate: '2027-03-01' }), NOW);
    expect(checked.ok && checked.input.expiresAt).toBe(new Date(2027, 2, 1, 23, 59, 59, 999).toISOString());
  });
});

describe('keyDisplayStatus', () => {
  it('shows an active key past its expiry as expired, and keeps revoked and disabled', () => {
    expect(keyDisplayStatus({ status: 'ACTIVE', expiresAt: null }, NOW)).toBe('ACTIVE');
    expect(keyDisplayStatus({ status: 'ACTIVE', expiresAt: '2026-11-29T00:00:00Z' }, NOW)).toBe('ACTIVE');
    expect(keyDisplayStatus({ status: 'ACTIVE', expiresAt: '2026-11-28T11:59:59Z' }, NOW)).toBe('EXPIRED');
    expect(keyDisplayStatus({ status: 'DISABLED', expiresAt: '2020-01-01T00:00:00Z' }, NOW)).toBe('DISABLED');
    expect(keyDisplayStatus({ status: 'REVOKED', expiresAt: null }, NOW)).toBe('REVOKED');
  });
});
