/**
 * What analytics group by: every dimension of the rollups. MODEL is the alias the client asked
 * for (as in `spend`), UPSTREAM_MODEL the model sent to the provider; ENVIRONMENT is one project
 * environment, ENVIRONMENT_NAME a stage name across projects.
 */
export type AnalyticsDimension =
  | 'TEAM'
  | 'PROJECT'
  | 'ENVIRONMENT'
  | 'ENVIRONMENT_NAME'
  | 'KEY'
  | 'MODEL'
  | 'UPSTREAM_MODEL'
  | 'PROVIDER'
  | 'STATUS_CODE'
  | 'ERROR_CODE';

/**
 * Column of each dimension, and whether its '' value (no key recognised; success for error
 * codes) is left out of groups: such requests still count in totals and in ungrouped series.
 */
export const DIMENSION_COLUMNS: Readonly<Record<AnalyticsDimension, { column: string; skipEmpty: boolean }>> = {
  TEAM: { column: 'team_id', skipEmpty: true },
  PROJECT: { column: 'project_id', skipEmpty: true },
  ENVIRONMENT: { column: 'environment_id', skipEmpty: true },
  ENVIRONMENT_NAME: { column: 'environment', skipEmpty: true },
  KEY: { column: 'key_id', skipEmpty: true },
  MODEL: { column: 'alias', skipEmpty: false },
  UPSTREAM_MODEL: { column: 'upstream_model', skipEmpty: true },
  PROVIDER: { column: 'provider_id', skipEmpty: true },
  STATUS_CODE: { column: 'status_code', skipEmpty: false },
  ERROR_CODE: { column: 'error_code', skipEmpty: true },
};

/** The group key expression of `dimension` (a string, whatever the column type). */
export function dimensionKey(dimension: AnalyticsDimension): string {
  return `toString(${DIMENSION_COLUMNS[dimension].column})`;
}
