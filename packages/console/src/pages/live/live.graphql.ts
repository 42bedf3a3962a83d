import { gql } from '@urql/core';
import { REQUEST_ROW_FIELDS, type RequestRow } from '../requests/requests.graphql.ts';

/** The tail's filters: the request log's, without range or paging. */
export interface RequestTailVariables {
  keyId: string | null;
  model: string | null;
  errorCode: string | null;
  status: 'SUCCESS' | 'ERROR' | null;
  teamId: string | null;
  projectId: string | null;
  environment: string | null;
}

/**
 * Requests as the control plane ingests them, scoped like `requests` (server side: a viewer never
 * receives another team's request). Served over SSE; the client sends subscriptions through fetch.
 * An item is null, with a `tail_overflow` error beside it, when the page fell behind and missed some.
 */
export const RequestTailSubscription = gql<{ requestTail: RequestRow | null }, RequestTailVariables>`
  subscription RequestTail($keyId: ID, $model: String, $errorCode: String, $status: RequestStatusFilter, $teamId: ID, $projectId: ID, $environment: String) {
    requestTail(keyId: $keyId, model: $model, errorCode: $errorCode, status: $status, teamId: $teamId, projectId: $projectId, environment: $environment) {
      ...RequestRowFields
    }
  }
  ${REQUEST_ROW_FIELDS}
`;
