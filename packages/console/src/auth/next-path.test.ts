import { describe, expect, it } from 'vitest';
import { safeNextPath, signInPathFor } from './next-path.ts';

describe('safeNextPath', () => {
  it('keeps same-origin paths with their query', () => {
    expect(safeNextPath('/spend')).toBe('/spend');
    expect(safeNextPath('/spend?range=7d')).toBe('/spend?range=7d');
  });

  it.each([undefined, null, 42, '', 'spend', 'https://evil.test/', '//evil.test', '/\\evil.test', '/sign-in', '/sign-in?next=/keys', '/keys\n'])(
    'sends %j to the overview instead',
    (next) => {
      expect(safeNextPath(next)).toBe('/');
    },
  );
});

describe('signInPathFor', () => {
  it('carries the page to come back to', () => {
    expect(signInPathFor('/spend?range=7d')).toBe('/sign-in?next=%2Fspend%3Frange%3D7d');
  });

  it('leaves out the default page', () => {
    expect(signInPathFor('/')).toBe('/sign-in');
    expect(signInPathFor('/keys')).toBe('/sign-in?next=%2Fkeys');
  });
});
