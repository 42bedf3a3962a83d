import { describe, expect, it } from 'vitest';
import { checkNewUser, userState } from './user-form.ts';
import { checkNewPassword, setupTokenFromHash } from '../setup/setup-form.ts';
import { checkPasswordSignIn } from '../sign-in/sign-in-form.ts';

describe('checkNewUser', () => {
  it('normalizes the email and trims the name', () => {
    expect(checkNewUser('  Ana@Example.COM ', ' Ana Lima ')).toEqual({ ok: true, value: { email: 'ana@example.com', name: 'Ana Lima' } });
  });

  it.each([
    ['', 'Ana', 'email'],
    ['ana', 'Ana', 'email'],
    ['ana@example', 'Ana', 'email'],
    ['a na@example.com', 'Ana', 'email'],
    ['ana@example.com', '   ', 'name'],
  ] as const)('refuses %j / %j on %s', (email, name, field) => {
    expect(checkNewUser(email, name)).toMatchObject({ ok: false, field });
  });
});

describe('userState', () => {
  const now = Date.parse('2026-11-28T12:00:00Z');
  it('says disabled, locked, invited or active', () => {
    expect(userState({ disabledAt: '2026-11-01T00:00:00Z', lockedUntil: null, hasPassword: true }, now)).toBe('Disabled');
    expect(userState({ disabledAt: null, lockedUntil: '2026-11-28T12:05:00Z', hasPassword: true }, now)).toBe('Locked');
    expect(userState({ disabledAt: null, lockedUntil: '2026-11-28T11:00:00Z', hasPassword: true }, now)).toBe('Active');
    expect(userState({ disabledAt: null, lockedUntil: null, hasPassword: false }, now)).toBe('Invited');
  });
});

describe('set-up form', () => {
  it('reads the token from the link fragment only', () => {
    expect(setupTokenFromHash('#token=relay-setup-abc123')).toBe('relay-setup-abc123');
    expect(setupTokenFromHash('token=abc')).toBe('abc');
    expect(setupTokenFromHash('#token=')).toBeNull();
    expect(setupTokenFromHash('')).toBeNull();
    expect(setupTokenFromHash('#other=1')).toBeNull();
  });

  it('wants a long enough password typed the same twice', () => {
    expect(checkNewPassword('short', 'short')).toMatch(/at least 12/);
    expect(checkNewPassword(' '.repeat(12), ' '.repeat(12))).toMatch(/only spaces/);
    expect(checkNewPassword('correct horse battery', 'correct horse batterY')).toMatch(/not the same/);
    expect(checkNewPassword('x'.repeat(513), 'x'.repeat(513))).toMatch(/at most/);
    expect(checkNewPassword('correct horse battery', 'correct horse battery')).toBeNull();
  });
});

describe('checkPasswordSignIn', () => {
  it('trims the email, keeps the password as typed', () => {
    expect(checkPasswordSignIn(' ana@example.com ', ' pw with spaces ')).toEqual({ ok: true, value: { email: 'ana@example.com', password: ' pw with spaces ' } });
    expect(checkPasswordSignIn('', 'x')).toMatchObject({ ok: false });
    expect(checkPasswordSignIn('ana@example.com', '')).toMatchObject({ ok: false });
    expect(checkPasswordSignIn('not-an-email', 'x')).toMatchObject({ ok: false });
  });
});
