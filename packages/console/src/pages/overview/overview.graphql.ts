import { gql } from '@urql/core';
import type { TimeBucket } from '../../lib/overview-math.ts';

/** Dimensions the spend chart can be stacked by, each one the request log can filter by. */
export type StackDimension = 'MODEL' | 'KEY' | 'TEAM' | 'PROJECT' | 'ENVIRONMENT_NAME';

/** The overview's scope filter (null = no filter), as the analytics queries take it. */
interface ScopeVariables {
  teamId: string | null;
  projectId: string | null;
  environment: string | null;
}

/** Totals of a range; money as `Micros` strings. */
export interface OverviewTotals {
  requests: number;
  errors: number | null;
  latencyP50Ms: number | null;
  costMicros: string | null;
  costSavedMicros: string | null;
}

/** The tiles' figures over a range: totals and the models seen (capped by the limit). */
export interface OverviewTotalsReport {
  rows: { key: string }[];
  truncated: boolean;
  totals: OverviewTotals;
}

export interface OverviewTilesData {
  current: OverviewTotalsReport;
  previous: OverviewTotalsReport;
}

export interface OverviewTilesVariables extends ScopeVariables {
  from: string;
  to: string;
  previousFrom: string;
  previousTo: string;
}

const TOTALS_FIELDS = `
  rows { key }
  truncated
  totals { requests errors latencyP50Ms costMicros costSavedMicros }
`;

/** The tiles: this range and the one before it, by model (so the row count is the active models). */
export const OverviewTilesQuery = gql<OverviewTilesData, OverviewTilesVariables>`
  query OverviewTiles($from: DateTime!, $to: DateTime!, $previousFrom: DateTime!, $previousTo: DateTime!, $teamId: ID, $projectId: ID, $environment: String) {
    current: topN(by: MODEL, from: $from, to: $to, limit: 100, metrics: [REQUESTS, ERRORS, LATENCY, COST, COST_SAVED], teamId: $teamId, projectId: $projectId, environment: $environment) {
      ${TOTALS_FIELDS}
    }
    previous: topN(by: MODEL, from: $previousFrom, to: $previousTo, limit: 100, metrics: [REQUESTS, ERRORS, LATENCY, COST, COST_SAVED], teamId: $teamId, projectId: $projectId, environment: $environment) {
      ${TOTALS_FIELDS}
    }
  }
`;

/** One bucket of the traffic chart. */
export interface TrafficPoint {
  bucketStart: string;
  requests: number;
  errors: number | null;
  latencyP50Ms: number | null;
  latencyP95Ms: number | null;
  latencyP99Ms: number | null;
  ttftP50Ms: number | null;
  ttftP95Ms: number | null;
  ttftP99Ms: number | null;
}

/** One band of the spend chart: a group (or `other`) and its cost per bucket. */
export interface SpendGroup {
  key: string | null;
  label: string | null;
  other: boolean;
  points: { bucketStart: string; costMicros: string | null }[];
}

/** A spend row: one group's cost and requests over the range. */
export interface SpendTopRow {
  key: string;
  label: string | null;
  requests: number;
  costMicros: string | null;
}

export interface OverviewChartsData {
  traffic: { groups: { points: TrafficPoint[] }[] };
  spend: { groups: SpendGroup[] };
  topSpend: { rows: SpendTopRow[] };
}

export interface OverviewChartsVariables extends ScopeVariables {
  from: string;
  to: string;
  bucket: TimeBucket;
  timeZone: string;
  stackBy: StackDimension;
}

/** The charts: traffic and latency per bucket, spend per bucket stacked by a dimension, and the top spenders. */
export const OverviewChartsQuery = gql<OverviewChartsData, OverviewChartsVariables>`
  query OverviewCharts($from: DateTime!, $to: DateTime!, $bucket: TimeBucket!, $timeZone: String!, $stackBy: AnalyticsDimension!, $teamId: ID, $projectId: ID, $environment: String) {
    traffic: timeSeries(from: $from, to: $to, bucket: $bucket, timeZone: $timeZone, metrics: [REQUESTS, ERRORS, LATENCY, TTFT], teamId: $teamId, projectId: $projectId, environment: $environment) {
      groups {
        points { bucketStart requests errors latencyP50Ms latencyP95Ms latencyP99Ms ttftP50Ms ttftP95Ms ttftP99Ms }
      }
    }
    spend: timeSeries(from: $from, to: $to, bucket: $bucket, timeZone: $timeZone, metrics: [COST], groupBy: $stackBy, groupLimit: 8, teamId: $teamId, projectId: $projectId, environment: $environment) {
      groups {
        key
        label
        other
        points { bucketStart costMicros }
      }
    }
    topSpend: topN(by: $stackBy, from: $from, to: $to, orderBy: COST, limit: 10, metrics: [REQUESTS, COST], teamId: $teamId, projectId: $projectId, environment: $environment) {
      rows { key label requests costMicros }
    }
  }
`;

/** Upstream models that served successful requests in the range, and the models that have a price. */
export interface PricingCoverageData {
  served: { rows: { key: string; requests: number }[] };
  pricingRules: { model: string }[];
}

/** For the warning about models without a price (organization config: only asked when the viewer may read it). */
export const PricingCoverageQuery = gql<PricingCoverageData, { from: string; to: string }>`
  query PricingCoverage($from: DateTime!, $to: DateTime!) {
    served: topN(by: UPSTREAM_MODEL, from: $from, to: $to, status: SUCCESS, limit: 100, metrics: [REQUESTS]) {
      rows { key requests }
    }
    pricingRules { model }
  }
`;
