import { useSearchParams } from '@solidjs/router';
import { createQuery } from '@urql/solid';
import { createMemo, type Accessor } from 'solid-js';
import type { Permission } from '@proxystacks/shared/auth/roles';
import { teamsWhere } from '../auth/permissions.ts';
import { useViewer } from '../auth/use-viewer.ts';
import { readScopeFilter, resolveScopeFilter, scopeFilterParams, type ScopeFilter } from '../lib/scope-filter.ts';
import { TeamTreeQuery, type TeamNode } from '../pages/teams/teams.graphql.ts';

/** The scope filter of an analytics page: the teams to offer, the filter in force, and a setter. */
export interface ScopeFilterState {
  /** Teams the viewer may use `permission` on, with projects and environments. */
  teams: Accessor<TeamNode[]>;
  /** The URL's filter narrowed to those teams (resolveScopeFilter). */
  filter: Accessor<ScopeFilter>;
  /** False until the viewer and the teams are known: the page waits, so it never shows figures for a filter it then drops. */
  ready: Accessor<boolean>;
  /** Writes the filter to the address bar (the page follows from there). */
  setFilter(filter: ScopeFilter): void;
}

/** Reads and writes the `team`, `project` and `env` query parameters of a page that needs `permission`. */
export function useScopeFilter(permission: Permission): ScopeFilterState {
  const viewer = useViewer();
  const [tree] = createQuery({ query: TeamTreeQuery });
  const [searchParams, setSearchParams] = useSearchParams();
  const teams = createMemo(() => teamsWhere(viewer(), permission, tree.data?.teams ?? []));
  const filter = createMemo(() => resolveScopeFilter(readScopeFilter(searchParams), teams()), undefined, {
    equals: (a, b) => a.teamId === b.teamId && a.projectId === b.projectId && a.environment === b.environment,
  });
  return {
    teams,
    filter,
    // A failed tree query leaves no team to offer: the page then shows everything the server allows.
    ready: () => viewer() !== undefined && (tree.data !== undefined || tree.error !== undefined),
    setFilter: (next) => setSearchParams(scopeFilterParams(next)),
  };
}
