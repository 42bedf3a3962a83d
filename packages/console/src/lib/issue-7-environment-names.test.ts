import { describe, expect, it } from 'vitest';
import { environmentNamesOf } from './environment-names.ts';

const env = (name: string) => ({ name });

describe('environmentNamesOf', () => {
  it('lists the standard three first, then the named ones alphabetically, once each', () => {
    const teams = [
      { projects: [{ environments: [env('staging'), env('production'), env('eu-staging')] }] },
      { projects: [{ environments: [env('development'), env('canary'), env('eu-staging')] }, { environments: [] }] },
    ];
    expect(environmentNamesOf(teams)).toEqual(['production', 'staging', 'development', 'canary', 'eu-staging']);
  });

  it('always offers the standard three, and adds names in use that no visible project has', () => {
    expect(environmentNamesOf([])).toEqual(['production', 'staging', 'development']);
    expect(environmentNamesOf([], ['qa', 'production'])).toEqual(['production', 'staging', 'development', 'qa']);
  });
});
