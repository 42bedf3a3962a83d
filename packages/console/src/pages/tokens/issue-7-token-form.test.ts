import { describe, expect, it } from 'vitest';
import { checkNewToken, tokenStatus } from './token-form.ts';

const NOW = Date.parse('2026-11-28T12:00:00Z');

describe('checkNewToken', () => {
  it('trims the name and turns the lifetime into an expiry', () => {
    expect(checkNewToken(' ci-deploy ', '90d', NOW)).toEqual({ ok: true, name: 'ci-deploy', expiresAt: new Date(NOW + 90 * 86_400_000).toISOString() });
    expect(checkNewToken('ci', 'never', NOW)).toEqual({ ok: true, name: 'ci', expiresAt: null });
  });

  it('refuses a blank or overlong name', () => {
    expect(checkNewToken('  ', '30d', NOW).ok).toBe(false);
    expect(checkNewToken('x'.repeat(201), '30d', NOW).ok).toBe(false);
  });
});

describe('tokenStatus', () => {
  it('says revoked, expired or active', () => {
    expect(tokenStatus({ revokedAt: '2026-11-01T00:00:00Z', expiresAt: null }, NOW)).toBe('REVOKED');
    expect(tokenStatus({ revokedAt: null, expiresAt: '2026-11-28T11:00:00Z' }, NOW)).toBe('EXPIRED');
    expect(tokenStatus({ revokedAt: null, expiresAt: '2026-12-28T11:00:00Z' }, NOW)).toBe('ACTIVE');
    expect(tokenStatus({ revokedAt: null, expiresAt: null }, NOW)).toBe('ACTIVE');
  });
});
