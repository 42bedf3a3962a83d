import { describe, expect, it } from 'vitest';
import { checkDisplayName, checkEnvironmentName } from './tenancy-names.ts';

describe('checkEnvironmentName (mirrors the server slug rule)', () => {
  it.each([['eu-staging', 'eu-staging'], ['  QA  ', 'qa'], ['a', 'a'], ['x'.repeat(63), 'x'.repeat(63)]])('accepts %j as %j', (input, name) => {
    expect(checkEnvironmentName(input)).toEqual({ ok: true, name });
  });

  it.each(['', '   ', '-staging', 'staging-', 'eu staging', 'eu_staging', 'x'.repeat(64), 'prod!'])('refuses %j', (input) => {
    expect(checkEnvironmentName(input).ok).toBe(false);
  });
});

describe('checkDisplayName', () => {
  it('trims and bounds team and project names', () => {
    expect(checkDisplayName('  Web shop ', 'project')).toEqual({ ok: true, name: 'Web shop' });
    expect(checkDisplayName('', 'team')).toEqual({ ok: false, message: 'Give the team a name.' });
    expect(checkDisplayName('x'.repeat(201), 'project').ok).toBe(false);
  });
});
