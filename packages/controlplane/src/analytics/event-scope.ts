import type { RequestEvent } from '@proxystacks/shared/events/request-event';
/**
 * Which events of an org an analytics query covers: the teams the caller may see (roles.ts
 * `teamsWith`) and the caller's own team / project / environment filters. Every value is bound
 * as a ClickHouse query parameter; the SQL text holds only fixed column names.
 */
export interface EventScope {
  /** 'all' for an organization grant; else only events whose team_id is in the set. */
  visibleTeams: 'all' | ReadonlySet<string>;
  teamId?: string | null;
  projectId?: string | null;
  environmentId?: string | null;
  /** Environment name (`production`, `staging`, …), across every project. */
  environment?: string | null;
}

/** Parameter values a scoped query binds. */
export type ScopeParams = Record<string, string | number | string[]>;

/** Whether `event` is within `scope`: scopeConditions evaluated in memory (the live tail). */
export function eventInScope(event: RequestEvent, scope: EventScope): boolean {
  if (scope.visibleTeams !== 'all' && !scope.visibleTeams.has(event.team_id)) return false;
  const equal = (actual: string, wanted: string | null | undefined) => wanted === undefined || wanted === null || actual === wanted;
  return equal(event.team_id, scope.teamId) && equal(event.project_id, scope.projectId) && equal(event.environment_id, scope.environmentId) && equal(event.environment, scope.environment);
}

/** The columns `scope`'s conditions read (a rollup must keep them to answer). */
export function scopeColumns(scope: EventScope): string[] {
  const columns: string[] = [];
  if (scope.visibleTeams !== 'all' || (scope.teamId ?? null) !== null) columns.push('team_id');
  if ((scope.projectId ?? null) !== null) columns.push('project_id');
  if ((scope.environmentId ?? null) !== null) columns.push('environment_id');
  if ((scope.environment ?? null) !== null) columns.push('environment');
  return columns;
}

/**
 * WHERE conditions (ANDed by the caller) and their parameters for `scope`. A team-limited caller
 * never sees events without a team (refused before a key was recognised): those belong to the
 * organization, not to a team.
 */
export function scopeConditions(scope: EventScope): { conditions: string[]; params: ScopeParams } {
  const conditions: string[] = [];
  const params: ScopeParams = {};
  if (scope.visibleTeams !== 'all') {
    conditions.push('team_id IN {visibleTeams:Array(String)}');
    params.visibleTeams = [...scope.visibleTeams];
  }
  const equal = (column: string, param: string, value: string | null | undefined): void => {
    if (value === undefined || value === null) return;
    conditions.push(`${column} = {${param}:String}`);
    params[param] = value;
  };
  equal('team_id', 'teamId', scope.teamId);
  equal('project_id', 'projectId', scope.projectId);
  equal('environment_id', 'environmentId', scope.environmentId);
  equal('environment', 'environment', scope.environment);
  return { conditions, params };
}
