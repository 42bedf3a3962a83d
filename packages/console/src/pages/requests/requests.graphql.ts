import { gql } from '@urql/core';

export type RequestStatusFilter = 'SUCCESS' | 'ERROR';

/** One row of the recent-requests table. */
export interface RequestRow {
  requestId: string;
  ts: string;
  keyId: string | null;
  keyName: string | null;
  keyPrefix: string | null;
  model: string;
  projectName: string | null;
  /** The key's environment name (`production`); null when no key was recognised. */
  environment: string | null;
  statusCode: number;
  errorCode: string | null;
  promptTokens: number;
  completionTokens: number;
  /** `Micros` scalar: a decimal integer string. */
  costMicros: string;
  latencyMs: number;
}

/** Everything the request log knows about one request. */
export interface RequestDetail extends RequestRow {
  teamId: string | null;
  providerId: string | null;
  providerType: string | null;
  upstreamModel: string | null;
  upstreamErrorCode: string | null;
  attempts: number;
  cachedTokens: number;
  usageSource: string;
  pricingRuleId: string | null;
  pricingRuleVersion: number | null;
  snapshotVersion: number;
  ttftMs: number | null;
  streamed: boolean;
  streamEnd: string | null;
  finishReason: string | null;
}

/** Arguments of the `requests` list; `after` is the previous page's `nextCursor`. */
export interface RequestsVariables {
  from: string;
  to: string;
  status: RequestStatusFilter | null;
  teamId: string | null;
  projectId: string | null;
  /** An environment name, across projects. */
  environment: string | null;
  first: number;
  after: string | null;
}

/** One page of the recent-requests table. */
export interface RequestsPageData {
  requests: { entries: RequestRow[]; nextCursor: string | null };
}

const REQUEST_ROW_FIELDS = gql`
  fragment RequestRowFields on RequestLogEntry {
    requestId
    ts
    keyId
    keyName
    keyPrefix
    model
    projectName
    environment
    statusCode
    errorCode
    promptTokens
    completionTokens
    costMicros
    latencyMs
  }
`;

/** Requests over a range, newest first, one page at a time, optionally of one team, project or environment. */
export const RequestsPageQuery = gql<RequestsPageData, RequestsVariables>`
  query RequestsPage(
    $from: DateTime!
    $to: DateTime!
    $status: RequestStatusFilter
    $teamId: ID
    $projectId: ID
    $environment: String
    $first: Int
    $after: String
  ) {
    requests(from: $from, to: $to, status: $status, teamId: $teamId, projectId: $projectId, environment: $environment, first: $first, after: $after) {
      entries {
        ...RequestRowFields
      }
      nextCursor
    }
  }
  ${REQUEST_ROW_FIELDS}
`;

/** One request by the `x-request-id` a client received; null when the org has none. */
export const RequestDetailQuery = gql<{ request: RequestDetail | null }, { id: string }>`
  query RequestDetail($id: ID!) {
    request(id: $id) {
      ...RequestRowFields
      teamId
      providerId
      providerType
      upstreamModel
      upstreamErrorCode
      attempts
      cachedTokens
      usageSource
      pricingRuleId
      pricingRuleVersion
      snapshotVersion
      ttftMs
      streamed
      streamEnd
      finishReason
    }
  }
  ${REQUEST_ROW_FIELDS}
`;
