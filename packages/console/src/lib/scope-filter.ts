/**
 * The team / project / environment filter of the spend and requests pages, as it lives in the
 * address bar (`?team=<id>&project=<id>&env=production`), so a reload or a shared link asks the
 * same question. Pure: parsing, writing back, and narrowing to what the viewer may see.
 */

/** What the analytics queries take: `teamId`, `projectId` and an environment name (across projects); null = no filter. */
export interface ScopeFilter {
  teamId: string | null;
  projectId: string | null;
  environment: string | null;
}

/** No filter: every team, project and environment the viewer may see. */
export const NO_SCOPE_FILTER: ScopeFilter = Object.freeze({ teamId: null, projectId: null, environment: null });

/** The tree the filter is checked against and its choices are drawn from. */
export type ScopeTree = ReadonlyArray<{
  id: string;
  name: string;
  projects: ReadonlyArray<{ id: string; name: string; environments: ReadonlyArray<{ name: string }> }>;
}>;

/** The server's rule for environment names (a lower-case slug); anything else in a link is ignored. */
const ENVIRONMENT_NAME = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
/** Ids are UUIDs today; this only keeps junk out of the query, the server checks the rest. */
const ID = /^[A-Za-z0-9_-]{1,100}$/;

/** A search parameter as the router gives it: a repeated one counts by its first value. */
type ParamValue = string | string[] | undefined;

function first(value: ParamValue): string | null {
  const text = Array.isArray(value) ? value[0] : value;
  return text === undefined || text === '' ? null : text;
}

/** Reads the filter from the query string; a malformed value is no filter rather than an error. */
export function readScopeFilter(params: { team?: ParamValue; project?: ParamValue; env?: ParamValue }): ScopeFilter {
  const teamId = first(params.team);
  const projectId = first(params.project);
  const environment = first(params.env);
  return {
    teamId: teamId !== null && ID.test(teamId) ? teamId : null,
    projectId: projectId !== null && ID.test(projectId) ? projectId : null,
    environment: environment !== null && ENVIRONMENT_NAME.test(environment) ? environment : null,
  };
}

/** The query-string parameters of a filter, for `setSearchParams` (undefined removes one). */
export function scopeFilterParams(filter: ScopeFilter): { team: string | undefined; project: string | undefined; env: string | undefined } {
  return { team: filter.teamId ?? undefined, project: filter.projectId ?? undefined, env: filter.environment ?? undefined };
}

/**
 * Narrows a filter (from a link, perhaps someone else's) to what `teams` (the viewer's) holds: a
 * team not listed is dropped, and so is a project not listed or not of the chosen team, so the page
 * never asks for something the server would refuse. The environment name is kept: a name no
 * project has simply matches nothing.
 */
export function resolveScopeFilter(filter: ScopeFilter, teams: ScopeTree): ScopeFilter {
  const team = teams.find((t) => t.id === filter.teamId);
  const inScope = team === undefined ? teams : [team];
  const project = inScope.some((t) => t.projects.some((p) => p.id === filter.projectId)) ? filter.projectId : null;
  return { teamId: team?.id ?? null, projectId: project, environment: filter.environment };
}

/** A project as the project picker offers it. */
export interface ProjectChoice {
  id: string;
  /** `team / project` when several teams are listed (project names repeat across teams), else the project name. */
  label: string;
}

/** The projects to offer: the chosen team's, or every visible team's. */
export function projectChoices(filter: ScopeFilter, teams: ScopeTree): ProjectChoice[] {
  const team = teams.find((t) => t.id === filter.teamId);
  const inScope = team === undefined ? teams : [team];
  const qualify = inScope.length > 1;
  return inScope.flatMap((t) => t.projects.map((p) => ({ id: p.id, label: qualify ? `${t.name} / ${p.name}` : p.name })));
}

/** The projects the filter covers (the chosen one, the chosen team's, or all), for the environment picker. */
export function projectsInScope(filter: ScopeFilter, teams: ScopeTree): ScopeTree[number]['projects'][number][] {
  const team = teams.find((t) => t.id === filter.teamId);
  const projects = (team === undefined ? teams : [team]).flatMap((t) => t.projects);
  const project = projects.find((p) => p.id === filter.projectId);
  return project === undefined ? projects : [project];
}

/** The filter after the team picker changed: a project of another team does not survive. */
export function withTeam(filter: ScopeFilter, teamId: string | null, teams: ScopeTree): ScopeFilter {
  const next = { ...filter, teamId };
  return resolveScopeFilter(next, teams).projectId === filter.projectId ? next : { ...next, projectId: null };
}
