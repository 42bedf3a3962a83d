import { gql } from '@urql/core';

/** One audit entry; `before`/`after` are the redacted rows (the JSON scalar: an object, or a JSON-encoded string). */
export interface AuditEntryRow {
  id: string;
  at: string;
  actorType: string;
  actorId: string;
  actorLabel: string;
  action: string;
  objectType: string;
  objectId: string;
  before: unknown;
  after: unknown;
  requestId: string;
  clientAddress: string;
}

/** Filters the audit query takes; absent = any. */
export interface AuditFilter {
  objectType?: string;
  objectId?: string;
  actorId?: string;
  action?: string;
  from?: string;
  to?: string;
}

/** A page of entries, newest first; `nextCursor` is null on the last page. */
export const AuditEntriesQuery = gql<
  { auditEntries: { entries: AuditEntryRow[]; nextCursor: string | null } },
  { filter: AuditFilter; first: number; after: string | null }
>`
  query AuditEntries($filter: AuditEntryFilter, $first: Int, $after: String) {
    auditEntries(filter: $filter, first: $first, after: $after) {
      entries {
        id
        at
        actorType
        actorId
        actorLabel
        action
        objectType
        objectId
        before
        after
        requestId
        clientAddress
      }
      nextCursor
    }
  }
`;
