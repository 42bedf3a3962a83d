import { gql } from '@urql/core';
import type { ScopeGroupBy } from './spend-grouping.ts';

/** One group of the spend report (a key, model, team, project or environment), or the totals over all groups. */
export interface SpendRow {
  keyId: string | null;
  keyName: string | null;
  keyPrefix: string | null;
  model: string | null;
  teamId: string | null;
  teamName: string | null;
  projectId: string | null;
  projectName: string | null;
  environmentId: string | null;
  environment: string | null;
  requests: number;
  errors: number;
  promptTokens: number;
  completionTokens: number;
  cachedTokens: number;
  /** `Micros` scalar: a decimal integer string. */
  costMicros: string;
  p50LatencyMs: number | null;
  p95LatencyMs: number | null;
}

/** A spend report for one grouping. */
export interface SpendReport {
  from: string;
  to: string;
  totals: SpendRow;
  rows: SpendRow[];
  /** More groups exist than were returned (the API's default limit): rows are the most expensive. */
  truncated: boolean;
}

/** The page's question: a range, the scope filter (null = no filter), and the scope grouping of the third table. */
export interface SpendPageVariables {
  from: string;
  to: string;
  teamId: string | null;
  projectId: string | null;
  environment: string | null;
  groupBy: ScopeGroupBy;
}

const SPEND_ROW_FIELDS = gql`
  fragment SpendRowFields on SpendRow {
    keyId
    keyName
    keyPrefix
    model
    teamId
    teamName
    projectId
    projectName
    environmentId
    environment
    requests
    errors
    promptTokens
    completionTokens
    cachedTokens
    costMicros
    p50LatencyMs
    p95LatencyMs
  }
`;

const SPEND_REPORT_FIELDS = gql`
  fragment SpendReportFields on SpendReport {
    from
    to
    totals {
      ...SpendRowFields
    }
    rows {
      ...SpendRowFields
    }
    truncated
  }
  ${SPEND_ROW_FIELDS}
`;

/** The three groupings over the same range and filter in one request, so the tables always agree. */
export const SpendPageQuery = gql<{ byKey: SpendReport; byModel: SpendReport; byScope: SpendReport }, SpendPageVariables>`
  query SpendPage($from: DateTime!, $to: DateTime!, $teamId: ID, $projectId: ID, $environment: String, $groupBy: SpendGroupBy!) {
    byKey: spend(from: $from, to: $to, groupBy: KEY, teamId: $teamId, projectId: $projectId, environment: $environment) {
      ...SpendReportFields
    }
    byModel: spend(from: $from, to: $to, groupBy: MODEL, teamId: $teamId, projectId: $projectId, environment: $environment) {
      ...SpendReportFields
    }
    byScope: spend(from: $from, to: $to, groupBy: $groupBy, teamId: $teamId, projectId: $projectId, environment: $environment) {
      ...SpendReportFields
    }
  }
  ${SPEND_REPORT_FIELDS}
`;
