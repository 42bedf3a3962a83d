import { describe, expect, it } from 'vitest';
import { auditFilterOf, auditObject, diffAudit } from './audit-view.ts';

describe('auditFilterOf', () => {
  const blank = { objectType: '', action: '', actor: '', from: '', to: '' };

  it('drops blanks and trims', () => {
    expect(auditFilterOf(blank)).toEqual({ ok: true, filter: {} });
    expect(auditFilterOf({ ...blank, objectType: 'ApiKey', action: ' revokeKey ', actor: ' u-1 ' })).toEqual({
      ok: true,
      filter: { objectType: 'ApiKey', action: 'revokeKey', actorId: 'u-1' },
    });
  });

  it('turns local times into instants and refuses a backwards range', () => {
    const checked = auditFilterOf({ ...blank, from: '2026-11-01T00:00', to: '2026-11-02T00:00' });
    expect(checked).toEqual({ ok: true, filter: { from: new Date('2026-11-01T00:00').toISOString(), to: new Date('2026-11-02T00:00').toISOString() } });
    expect(auditFilterOf({ ...blank, from: '2026-11-02T00:00', to: '2026-11-01T00:00' }).ok).toBe(false);
    expect(auditFilterOf({ ...blank, from: 'yesterday' }).ok).toBe(false);
  });
});

describe('diffAudit', () => {
  it('shows changed, added, removed and unchanged fields, in field order', () => {
    const before = { id: 'k1', status: 'ACTIVE', labels: { a: '1' }, disabledAt: null, gone: 1 };
    const after = { id: 'k1', status: 'DISABLED', labels: { a: '1' }, disabledAt: '2026-11-28T12:00:00.000Z', added: true };
    expect(diffAudit(before, after)).toEqual([
      { field: 'added', before: '—', after: 'true', change: 'added' },
      { field: 'disabledAt', before: 'null', after: '2026-11-28T12:00:00.000Z', change: 'changed' },
      { field: 'gone', before: '1', after: '—', change: 'removed' },
      { field: 'id', before: 'k1', after: 'k1', change: 'unchanged' },
      { field: 'labels', before: '{"a":"1"}', after: '{"a":"1"}', change: 'unchanged' },
      { field: 'status', before: 'ACTIVE', after: 'DISABLED', change: 'changed' },
    ]);
  });

  it('treats a create (no before) as all added, and accepts JSON-encoded text', () => {
    expect(diffAudit(null, JSON.stringify({ name: 'web' }))).toEqual([{ field: 'name', before: '—', after: 'web', change: 'added' }]);
    expect(diffAudit({ name: 'web' }, null)).toEqual([{ field: 'name', before: 'web', after: '—', change: 'removed' }]);
  });

  it('reads odd scalars without throwing', () => {
    expect(auditObject('not json')).toEqual({ value: 'not json' });
    expect(auditObject(42)).toEqual({ value: 42 });
    expect(auditObject(undefined)).toBeNull();
  });
});
