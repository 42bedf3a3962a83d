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
  /** Null when no pricing rule priced the request (its cost is then $0). */
  pricingRuleId: string | null;
}

/** Everything the request log knows about one request. */
export interface RequestDetail extends RequestRow {
  teamId: string | null;
  teamName: string | null;
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
  /** Every upstream attempt in order; empty for requests recorded before per-attempt detail. */
  attemptLog: RequestAttempt[];
}

/** One upstream attempt of a request (the `RequestAttempt` type). */
export interface RequestAttempt {
  number: number;
  deploymentId: string;
  providerId: string;
  /** Null when the provider no longer exists. */
  providerName: string | null;
  upstreamModel: string;
  /** Null when the provider never answered (refused connection, timeout). */
  upstreamStatus: number | null;
  latencyMs: number;
  errorCode: string | null;
}

/** Arguments of the `requests` list; `after` is the previous page's `nextCursor`. */
export interface RequestsVariables {
  from: string;
  to: string;
  status: RequestStatusFilter | null;
  keyId: string | null;
  model: string | null;
  errorCode: string | null;
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

/** The fields of a request-log row, shared by the log, the detail and the live tail. */
export const REQUEST_ROW_FIELDS = gql`
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
    pricingRuleId
  }
`;

/** Requests over a range, newest first, one page at a time, optionally of one team, project or environment. */
export const RequestsPageQuery = gql<RequestsPageData, RequestsVariables>`
  query RequestsPage(
    $from: DateTime!
    $to: DateTime!
    $status: RequestStatusFilter
    $keyId: ID
    $model: String
    $errorCode: String
    $teamId: ID
    $projectId: ID
    $environment: String
    $first: Int
    $after: String
  ) {
    requests(
      from: $from
      to: $to
      status: $status
      keyId: $keyId
      model: $model
      errorCode: $errorCode
      teamId: $teamId
      projectId: $projectId
      environment: $environment
      first: $first
      after: $after
    ) {
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
      teamName
      providerId
      providerType
      upstreamModel
      upstreamErrorCode
      attempts
      cachedTokens
      usageSource
      pricingRuleVersion
      snapshotVersion
      ttftMs
      streamed
      streamEnd
      finishReason
      attemptLog { number deploymentId providerId providerName upstreamModel upstreamStatus latencyMs errorCode }
    }
  }
  ${REQUEST_ROW_FIELDS}
`;

/** Names of the organization's providers and pricing rules, to show instead of ids (organization config readers only). */
export interface ConfigNamesData {
  providers: { id: string; name: string }[];
  pricingRules: { id: string; model: string; version: number; provider: { name: string } }[];
}

export const ConfigNamesQuery = gql<ConfigNamesData, Record<string, never>>`
  query ConfigNames {
    providers { id name }
    pricingRules { id model version provider { name } }
  }
`;

/** The keys, models and error codes seen over a range, to offer as filter choices. */
export interface FilterChoicesData {
  keys: { rows: { key: string; label: string | null }[] };
  models: { rows: { key: string }[] };
  errors: { rows: { key: string }[] };
}

export const FilterChoicesQuery = gql<FilterChoicesData, { from: string; to: string; teamId: string | null; projectId: string | null; environment: string | null }>`
  query FilterChoices($from: DateTime!, $to: DateTime!, $teamId: ID, $projectId: ID, $environment: String) {
    keys: topN(by: KEY, from: $from, to: $to, limit: 100, metrics: [REQUESTS], teamId: $teamId, projectId: $projectId, environment: $environment) { rows { key label } }
    models: topN(by: MODEL, from: $from, to: $to, limit: 100, metrics: [REQUESTS], teamId: $teamId, projectId: $projectId, environment: $environment) { rows { key } }
    errors: topN(by: ERROR_CODE, from: $from, to: $to, limit: 100, metrics: [REQUESTS], teamId: $teamId, projectId: $projectId, environment: $environment) { rows { key } }
  }
`;
