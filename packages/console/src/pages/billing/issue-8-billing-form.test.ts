import { describe, expect, it } from 'vitest';
import type { Grant } from '@proxystacks/shared/auth/roles';
import { accountLabel, ledgerCsvUrl, ledgerFilterOf, newIdempotencyKey, parsePositiveDollars, parsePostingAmount, postingTargets, requestDetailPath } from './billing-form.ts';

const ORG = { id: 'org-1', name: 'Acme' };
const TEAMS = [
  { id: 'team-a', name: 'Search', projects: [{ id: 'proj-a', name: 'default', environments: [] }] },
  { id: 'team-b', name: 'Chat', projects: [{ id: 'proj-b', name: 'bot', environments: [] }] },
];
const viewer = (...grants: Grant[]) => ({ grants });

// Issue 8, console billing: amounts typed in dollars post exact integer micros, each dialog
// opening draws its own idempotency key, and only billing managers get posting targets.
describe('billing forms', () => {
  it('turns dollars into exact micros: top-ups positive, adjustments signed and never zero', () => {
    expect(parsePostingAmount('12.50', 'TOP_UP')).toEqual({ ok: true, micros: '12500000' });
    expect(parsePostingAmount(' $0.000001 ', 'TOP_UP')).toEqual({ ok: true, micros: '1' });
    expect(parsePostingAmount('0.29', 'TOP_UP')).toEqual({ ok: true, micros: '290000' });
    expect(parsePostingAmount('-2.5', 'ADJUSTMENT')).toEqual({ ok: true, micros: '-2500000' });
    expect(parsePostingAmount('− 0.25', 'ADJUSTMENT')).toEqual({ ok: true, micros: '-250000' });
    expect(parsePostingAmount('+3', 'ADJUSTMENT')).toEqual({ ok: true, micros: '3000000' });
    expect(parsePostingAmount('-1', 'TOP_UP')).toMatchObject({ ok: false, message: expect.stringContaining('adjustment') });
    expect(parsePostingAmount('0.00', 'TOP_UP')).toMatchObject({ ok: false, message: 'The amount must be more than zero.' });
    expect(parsePostingAmount('-0', 'ADJUSTMENT')).toMatchObject({ ok: false, message: 'An adjustment cannot be zero.' });
    for (const text of ['', 'ten', '1.0000001', '1e3', '1,000', '9007199254.740992', '--1']) {
      expect(parsePostingAmount(text, 'ADJUSTMENT').ok, text).toBe(false);
    }
    expect(parsePositiveDollars('25')).toEqual({ ok: true, micros: '25000000' });
    expect(parsePositiveDollars('-25')).toMatchObject({ ok: false, message: 'An amount cannot be negative.' });
  });

  it('draws a fresh idempotency key per opening, in the shape the server accepts', () => {
    const keys = new Set(Array.from({ length: 50 }, () => newIdempotencyKey()));
    expect(keys.size).toBe(50);
    for (const key of keys) expect(key).toMatch(/^[\x21-\x7e]{8,200}$/);
    expect(newIdempotencyKey(() => 'fixed')).toBe('console-fixed');
  });

  it('offers the accounts the viewer manages billing of, and none to readers', () => {
    expect(postingTargets(viewer({ role: 'ADMIN', teamId: null }), ORG, TEAMS).map((t) => t.label)).toEqual([
      'Organization Acme',
      'Team Search',
      'Project Search / default',
      'Team Chat',
      'Project Chat / bot',
    ]);
    expect(postingTargets(viewer({ role: 'ADMIN', teamId: 'team-b' }), ORG, TEAMS)).toEqual([
      { scope: 'TEAM', scopeId: 'team-b', label: 'Team Chat' },
      { scope: 'PROJECT', scopeId: 'proj-b', label: 'Project Chat / bot' },
    ]);
    expect(postingTargets(viewer({ role: 'ANALYST', teamId: null }), ORG, TEAMS)).toEqual([]);
    expect(postingTargets(viewer({ role: 'VIEWER', teamId: null }), ORG, TEAMS)).toEqual([]);
    expect(postingTargets(undefined, ORG, TEAMS)).toEqual([]);
  });

  it('names accounts by their scope, and an unknown one by its id', () => {
    expect(accountLabel({ kind: 'ORGANIZATION', scopeId: 'org-1' }, ORG, TEAMS)).toBe('Organization Acme');
    expect(accountLabel({ kind: 'PROJECT', scopeId: 'proj-b' }, ORG, TEAMS)).toBe('Project Chat / bot');
    expect(accountLabel({ kind: 'TEAM', scopeId: 'gone' }, ORG, TEAMS)).toBe('Team gone');
    expect(accountLabel({ kind: 'PROVIDER_SPEND', scopeId: null }, ORG, TEAMS)).toBe('Provider spend');
  });

  it('builds the ledger filter, the CSV link for the same view and the request link', () => {
    expect(ledgerFilterOf({ accountId: 'acc-1', kind: 'REQUEST', from: '', to: '' })).toEqual({ ok: true, filter: { accountId: 'acc-1', kind: 'REQUEST' } });
    expect(ledgerFilterOf({ accountId: '', kind: '', from: '2026-03-02T00:00', to: '2026-03-01T00:00' })).toEqual({ ok: false, message: 'The range ends before it starts.' });
    expect(ledgerFilterOf({ accountId: '', kind: '', from: 'soon', to: '' }).ok).toBe(false);
    expect(ledgerCsvUrl({})).toBe('/export/ledger.csv');
    expect(ledgerCsvUrl({ accountId: 'acc 1', kind: 'TOP_UP', from: '2026-03-01T00:00:00.000Z' })).toBe('/export/ledger.csv?from=2026-03-01T00%3A00%3A00.000Z&account=acc+1');
    expect(requestDetailPath('req_abc')).toBe('/requests?id=req_abc');
  });
});
