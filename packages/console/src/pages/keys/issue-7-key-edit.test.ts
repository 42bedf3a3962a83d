import { describe, expect, it } from 'vitest';
import { checkKeyEdit, editExpiryChoices, keyDraftFrom } from './key-edit.ts';

const NOW = Date.parse('2026-11-28T12:00:00Z');
const KEY = {
  name: 'billing',
  expiresAt: '2027-01-01T00:00:00.000Z',
  allowedAliases: ['relay-mini', 'gpt-4o'],
  labels: [{ key: 'team', value: 'billing' }],
};

describe('keyDraftFrom', () => {
  it('starts from the stored settings and keeps an existing expiry', () => {
    expect(keyDraftFrom(KEY)).toEqual({ name: 'billing', expiry: 'keep', expiryDate: '', allowedAliases: ['relay-mini', 'gpt-4o'], labels: [{ key: 'team', value: 'billing' }] });
    expect(keyDraftFrom({ ...KEY, expiresAt: null }).expiry).toBe('never');
  });
});

describe('editExpiryChoices', () => {
  it('offers to keep the date only when the key has one', () => {
    expect(editExpiryChoices(KEY.expiresAt)[0]).toMatchObject({ id: 'keep' });
    expect(editExpiryChoices(null).some((c) => c.id === 'keep')).toBe(false);
    expect(editExpiryChoices(null).map((c) => c.id)).toContain('never');
  });
});

describe('checkKeyEdit', () => {
  it('sends nothing when nothing changed, whatever the order of the stored allow-list', () => {
    expect(checkKeyEdit(keyDraftFrom(KEY), KEY, NOW)).toEqual({ ok: true, input: null });
    expect(checkKeyEdit({ ...keyDraftFrom(KEY), labels: [...KEY.labels, { key: ' ', value: '' }] }, KEY, NOW)).toEqual({ ok: true, input: null });
  });

  it('sends only the fields that differ', () => {
    const draft = { ...keyDraftFrom(KEY), name: ' billing-v2 ', labels: [{ key: 'team', value: 'billing' }, { key: 'tier', value: 'gold' }] };
    expect(checkKeyEdit(draft, KEY, NOW)).toEqual({
      ok: true,
      input: { name: 'billing-v2', labels: [{ key: 'team', value: 'billing' }, { key: 'tier', value: 'gold' }] },
    });
  });

  it('replaces the allow-list, [] meaning every alias, and removes every label with []', () => {
    expect(checkKeyEdit({ ...keyDraftFrom(KEY), allowedAliases: [], labels: [] }, KEY, NOW)).toEqual({ ok: true, input: { allowedAliases: [], labels: [] } });
    expect(checkKeyEdit({ ...keyDraftFrom(KEY), allowedAliases: ['relay-mini'] }, KEY, NOW)).toEqual({ ok: true, input: { allowedAliases: ['relay-mini'] } });
  });

  it('clears the expiry with Never, sets a new one, and leaves a never-expiring key alone', () => {
    expect(checkKeyEdit({ ...keyDraftFrom(KEY), expiry: 'never' }, KEY, NOW)).toEqual({ ok: true, input: { clearExpiry: true } });
    expect(checkKeyEdit({ ...keyDraftFrom(KEY), expiry: '7d' }, KEY, NOW)).toEqual({ ok: true, input: { expiresAt: new Date(NOW + 7 * 86_400_000).toISOString() } });
    const never = { ...KEY, expiresAt: null };
    expect(checkKeyEdit(keyDraftFrom(never), never, NOW)).toEqual({ ok: true, input: null });
  });

  it('refuses what the create form refuses', () => {
    expect(checkKeyEdit({ ...keyDraftFrom(KEY), name: ' ' }, KEY, NOW)).toMatchObject({ ok: false, field: 'name' });
    expect(checkKeyEdit({ ...keyDraftFrom(KEY), expiry: 'custom', expiryDate: '2020-01-01' }, KEY, NOW)).toMatchObject({ ok: false, field: 'expiry' });
    expect(checkKeyEdit({ ...keyDraftFrom(KEY), labels: [{ key: 'a b', value: '' }] }, KEY, NOW)).toMatchObject({ ok: false, field: 'labels' });
  });
});
