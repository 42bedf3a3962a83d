import { describe, expect, it } from 'vitest';
import { NO_SCOPE_FILTER, projectChoices, projectsInScope, readScopeFilter, resolveScopeFilter, scopeFilterParams, withTeam } from './scope-filter.ts';

const env = (name: string) => ({ name });
const TEAMS = [
  {
    id: 't-acme',
    name: 'Acme',
    projects: [
      { id: 'p-web', name: 'web', environments: [env('production'), env('staging'), env('eu-staging')] },
      { id: 'p-api', name: 'api', environments: [env('production')] },
    ],
  },
  { id: 't-zeta', name: 'Zeta', projects: [{ id: 'p-z', name: 'web', environments: [env('qa')] }] },
];

describe('readScopeFilter / scopeFilterParams', () => {
  it('reads team, project and environment from the query string and writes them back', () => {
    const filter = readScopeFilter({ team: 't-acme', project: 'p-web', env: 'staging' });
    expect(filter).toEqual({ teamId: 't-acme', projectId: 'p-web', environment: 'staging' });
    expect(scopeFilterParams(filter)).toEqual({ team: 't-acme', project: 'p-web', env: 'staging' });
    expect(scopeFilterParams(NO_SCOPE_FILTER)).toEqual({ team: undefined, project: undefined, env: undefined });
  });

  it('is no filter for missing, empty or malformed values, and takes the first of a repeated one', () => {
    expect(readScopeFilter({})).toEqual(NO_SCOPE_FILTER);
    expect(readScopeFilter({ team: '', project: 'a b', env: 'Production' })).toEqual(NO_SCOPE_FILTER);
    expect(readScopeFilter({ env: '-staging' }).environment).toBeNull();
    expect(readScopeFilter({ team: ['t-1', 't-2'], env: ['qa', 'production'] })).toEqual({ teamId: 't-1', projectId: null, environment: 'qa' });
  });
});

describe('resolveScopeFilter', () => {
  it('keeps what the viewer may see', () => {
    const filter = { teamId: 't-acme', projectId: 'p-api', environment: 'production' };
    expect(resolveScopeFilter(filter, TEAMS)).toEqual(filter);
    expect(resolveScopeFilter({ teamId: null, projectId: 'p-z', environment: null }, TEAMS)).toEqual({ teamId: null, projectId: 'p-z', environment: null });
  });

  it('drops a team or project the viewer may not see, and a project of another team', () => {
    expect(resolveScopeFilter({ teamId: 't-other', projectId: 'p-web', environment: 'qa' }, TEAMS)).toEqual({ teamId: null, projectId: 'p-web', environment: 'qa' });
    expect(resolveScopeFilter({ teamId: 't-zeta', projectId: 'p-web', environment: null }, TEAMS)).toEqual({ teamId: 't-zeta', projectId: null, environment: null });
    expect(resolveScopeFilter({ teamId: null, projectId: 'p-secret', environment: null }, TEAMS)).toEqual(NO_SCOPE_FILTER);
    expect(resolveScopeFilter({ teamId: 't-acme', projectId: 'p-web', environment: 'staging' }, [])).toEqual({ teamId: null, projectId: null, environment: 'staging' });
  });
});

describe('choices', () => {
  it('offers the chosen team’s projects, or every team’s with the team named', () => {
    expect(projectChoices(NO_SCOPE_FILTER, TEAMS)).toEqual([
      { id: 'p-web', label: 'Acme / web' },
      { id: 'p-api', label: 'Acme / api' },
      { id: 'p-z', label: 'Zeta / web' },
    ]);
    expect(projectChoices({ ...NO_SCOPE_FILTER, teamId: 't-acme' }, TEAMS)).toEqual([
      { id: 'p-web', label: 'web' },
      { id: 'p-api', label: 'api' },
    ]);
  });

  it('narrows the projects whose environments are offered', () => {
    expect(projectsInScope(NO_SCOPE_FILTER, TEAMS).map((p) => p.id)).toEqual(['p-web', 'p-api', 'p-z']);
    expect(projectsInScope({ ...NO_SCOPE_FILTER, teamId: 't-zeta' }, TEAMS).map((p) => p.id)).toEqual(['p-z']);
    expect(projectsInScope({ teamId: 't-acme', projectId: 'p-api', environment: null }, TEAMS).map((p) => p.id)).toEqual(['p-api']);
  });

  it('forgets the project when the team changes to one without it', () => {
    const filter = { teamId: 't-acme', projectId: 'p-web', environment: 'staging' };
    expect(withTeam(filter, 't-zeta', TEAMS)).toEqual({ teamId: 't-zeta', projectId: null, environment: 'staging' });
    expect(withTeam(filter, null, TEAMS)).toEqual({ teamId: null, projectId: 'p-web', environment: 'staging' });
    expect(withTeam({ ...filter, teamId: null }, 't-acme', TEAMS)).toEqual(filter);
  });
});
