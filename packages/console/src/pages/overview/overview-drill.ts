/** Where the overview's charts and rows lead: the request log narrowed to what was clicked. Pure. */
import type { DrillDown } from '../../lib/request-filter.ts';
import type { ScopeFilter } from '../../lib/scope-filter.ts';
import type { TimeRange } from '../../lib/time-range.ts';
import type { StackDimension } from './overview.graphql.ts';

/** The stacking choices, in display order, with the request-log filter each group maps to. */
export const STACK_DIMENSIONS: readonly { id: StackDimension; label: string }[] = [
  { id: 'MODEL', label: 'Model' },
  { id: 'KEY', label: 'Key' },
  { id: 'TEAM', label: 'Team' },
  { id: 'PROJECT', label: 'Project' },
  { id: 'ENVIRONMENT_NAME', label: 'Environment' },
];

/** Narrows a URL value to a stacking dimension (default: model). */
export function readStackDimension(value: unknown): StackDimension {
  return STACK_DIMENSIONS.find((d) => d.id === value)?.id ?? 'MODEL';
}

/**
 * The drill-down of one group of `dimension` (a model, key id, team id…) over `range`, inside the
 * page's scope filter; a null group (`other`, or a chart without groups) narrows by range only.
 * A group of a narrower scope than the filter replaces that part of it.
 */
export function groupDrillDown(dimension: StackDimension, group: string | null, range: TimeRange, scope: ScopeFilter): DrillDown {
  const drill: DrillDown = { range, teamId: scope.teamId, projectId: scope.projectId, environment: scope.environment };
  if (group === null) return drill;
  if (dimension === 'MODEL') return { ...drill, model: group };
  if (dimension === 'KEY') return { ...drill, keyId: group };
  if (dimension === 'TEAM') return { ...drill, teamId: group, projectId: null };
  if (dimension === 'PROJECT') return { ...drill, projectId: group };
  return { ...drill, environment: group };
}
