/** The scope the spend page's third table is grouped by, as `?group=` holds it. */
export type ScopeGroupBy = 'TEAM' | 'PROJECT' | 'ENVIRONMENT';

/** The choices in display order, with the word the URL uses. */
export const SCOPE_GROUPINGS: ReadonlyArray<{ id: ScopeGroupBy; param: string; label: string }> = [
  { id: 'TEAM', param: 'team', label: 'Team' },
  { id: 'PROJECT', param: 'project', label: 'Project' },
  { id: 'ENVIRONMENT', param: 'environment', label: 'Environment' },
];

/** Without `?group=` the page groups by project: the level between the team and its keys. */
export const DEFAULT_SCOPE_GROUPING: ScopeGroupBy = 'PROJECT';

/** Reads `?group=` (case-insensitive; the first of a repeated one); anything else is the default. */
export function readScopeGrouping(value: string | string[] | undefined): ScopeGroupBy {
  const text = (Array.isArray(value) ? value[0] : value)?.toLowerCase();
  return SCOPE_GROUPINGS.find((g) => g.param === text)?.id ?? DEFAULT_SCOPE_GROUPING;
}

/** The `?group=` value of a grouping; the default is left out so plain links stay plain. */
export function scopeGroupingParam(groupBy: ScopeGroupBy): string | undefined {
  return groupBy === DEFAULT_SCOPE_GROUPING ? undefined : SCOPE_GROUPINGS.find((g) => g.id === groupBy)?.param;
}
