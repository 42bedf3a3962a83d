import type { AuditEntry, Prisma, PrismaClient } from '../generated/prisma/client.ts';
import { InputError } from './input-error.ts';

/** Page sizes {@link listAuditEntries} accepts; larger pages are refused, never clamped. */
export const AUDIT_PAGE_LIMIT = { min: 1, max: 200, default: 50 } as const;

/** Longest text filter value: ids and names are far shorter; anything longer is a mistake. */
const MAX_FILTER_LENGTH = 256;

/** Which entries to list; every field narrows (they combine with AND). `[from, to)` is half-open. */
export interface AuditFilter {
  /** Prisma model name: `ApiKey`, `Project`, `User`, … */
  objectType?: string | null;
  objectId?: string | null;
  /** User or token id ('' for changes the control plane made itself). */
  actorId?: string | null;
  /** The mutation (or CLI command): `createKey`, `rotateKey`, … */
  action?: string | null;
  from?: Date | null;
  to?: Date | null;
}

/** One page of the audit trail, newest first; `nextCursor` is null on the last page. */
export interface AuditPage {
  entries: AuditEntry[];
  nextCursor: string | null;
}

/**
 * Audit entries of `orgId`, newest first by id (ids grow with every insert, so this is the
 * order the changes committed in, and no two entries tie). Keyset paging on the id: a page
 * starts strictly below the cursor's id, so entries written meanwhile never shift later pages
 * and a walk sees every older entry exactly once.
 * @throws InputError naming `first`, `after` or the filter field that is malformed.
 */
export async function listAuditEntries(
  prisma: PrismaClient,
  orgId: string,
  filter: AuditFilter,
  page: { first?: number | null; after?: string | null },
): Promise<AuditPage> {
  const first = checkAuditLimit(page.first);
  const below = page.after === null || page.after === undefined ? null : decodeAuditCursor(page.after);
  const where: Prisma.AuditEntryWhereInput = { orgId };
  for (const field of ['objectType', 'objectId', 'actorId', 'action'] as const) {
    const value = filter[field];
    if (value === null || value === undefined) continue;
    if (value.length > MAX_FILTER_LENGTH) throw new InputError(`\`filter.${field}\` is longer than ${MAX_FILTER_LENGTH} characters.`, 'BAD_USER_INPUT', `filter.${field}`);
    where[field] = value;
  }
  if (filter.from && filter.to && filter.from.getTime() >= filter.to.getTime()) {
    throw new InputError('`filter.from` must be before `filter.to`.', 'BAD_USER_INPUT', 'filter.from');
  }
  if (filter.from || filter.to) where.at = { ...(filter.from ? { gte: filter.from } : {}), ...(filter.to ? { lt: filter.to } : {}) };
  if (below !== null) where.id = { lt: below };
  // One row past the page tells whether another page exists, without a count query.
  const rows = await prisma.auditEntry.findMany({ where, orderBy: { id: 'desc' }, take: first + 1 });
  const entries = rows.slice(0, first);
  const last = entries.at(-1);
  return { entries, nextCursor: rows.length > first && last !== undefined ? encodeAuditCursor(last.id) : null };
}

/**
 * The page size to use: `first`, or the default when absent.
 * @throws InputError naming `first` when it is not a whole number from 1 to 200.
 */
export function checkAuditLimit(first: number | null | undefined): number {
  if (first === null || first === undefined) return AUDIT_PAGE_LIMIT.default;
  if (!Number.isInteger(first) || first < AUDIT_PAGE_LIMIT.min || first > AUDIT_PAGE_LIMIT.max) {
    throw new InputError(`\`first\` must be a whole number from ${AUDIT_PAGE_LIMIT.min} to ${AUDIT_PAGE_LIMIT.max}.`, 'BAD_USER_INPUT', 'first');
  }
  return first;
}

/** The opaque cursor of an entry: base64url of its id; clients must not build one. */
export function encodeAuditCursor(id: bigint): string {
  return Buffer.from(`audit:${id.toString()}`, 'utf8').toString('base64url');
}

/**
 * Reads a cursor made by {@link encodeAuditCursor}.
 * @throws InputError naming `after` for anything else (edited, truncated, another list's cursor).
 */
export function decodeAuditCursor(cursor: string): bigint {
  const invalid = new InputError('`after` is not a cursor this list returned.', 'BAD_USER_INPUT', 'after');
  if (cursor.length > 64 || !/^[A-Za-z0-9_-]+$/.test(cursor)) throw invalid;
  const match = /^audit:([1-9]\d{0,18})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (match?.[1] === undefined) throw invalid;
  const id = BigInt(match[1]);
  // BIGSERIAL is a signed 64-bit integer.
  if (id > 9_223_372_036_854_775_807n) throw invalid;
  return id;
}
