import { gql } from '@urql/core';

/** One group of the spend report (a key or a model), or the totals over all groups. */
export interface SpendRow {
  keyId: string | null;
  keyName: string | null;
  keyPrefix: string | null;
  model: string | null;
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

const SPEND_ROW_FIELDS = gql`
  fragment SpendRowFields on SpendRow {
    keyId
    keyName
    keyPrefix
    model
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

/** Both groupings over the same range in one request, so the two tables always agree. */
export const SpendPageQuery = gql<{ byKey: SpendReport; byModel: SpendReport }, { from: string; to: string }>`
  query SpendPage($from: DateTime!, $to: DateTime!) {
    byKey: spend(from: $from, to: $to, groupBy: KEY) {
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
    byModel: spend(from: $from, to: $to, groupBy: MODEL) {
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
  }
  ${SPEND_ROW_FIELDS}
`;
