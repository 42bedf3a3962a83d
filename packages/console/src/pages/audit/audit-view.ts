import { localRangeOf } from '../../lib/local-range.ts';
import type { AuditFilter } from './audit.graphql.ts';

/** Object types the audit trail records (Prisma model names), for the filter's choices. */
export const AUDIT_OBJECT_TYPES = [
  'ApiKey',
  'ApiToken',
  'Environment',
  'ModelAlias',
  'ModelRoute',
  'PricingRule',
  'Project',
  'Provider',
  'RoleGrant',
  'Team',
  'User',
  'UserSession',
] as const;

/** The filter form as typed; times are `datetime-local` values (local time, no zone). */
export interface AuditFilterForm {
  objectType: string;
  action: string;
  actor: string;
  from: string;
  to: string;
}

/**
 * Turns the filter form into the query's filter: blanks dropped, text trimmed, local times to
 * UTC instants. Refuses an unreadable time and a range that ends before it starts.
 */
export function auditFilterOf(form: AuditFilterForm): { ok: true; filter: AuditFilter } | { ok: false; message: string } {
  const filter: AuditFilter = {};
  if (form.objectType.trim() !== '') filter.objectType = form.objectType.trim();
  if (form.action.trim() !== '') filter.action = form.action.trim();
  if (form.actor.trim() !== '') filter.actorId = form.actor.trim();
  const range = localRangeOf(form.from, form.to);
  if (!range.ok) return range;
  if (range.from !== undefined) filter.from = range.from;
  if (range.to !== undefined) filter.to = range.to;
  return { ok: true, filter };
}

/** One field of a before/after comparison. */
export interface DiffRow {
  field: string;
  before: string;
  after: string;
  change: 'added' | 'removed' | 'changed' | 'unchanged';
}

/** The JSON scalar as an object: servers may send it as an object or as JSON-encoded text. */
export function auditObject(value: unknown): Record<string, unknown> | null {
  let parsed = value;
  if (typeof value === 'string') {
    try {
      parsed = JSON.parse(value);
    } catch {
      return { value };
    }
  }
  if (parsed === null || parsed === undefined) return null;
  if (typeof parsed !== 'object' || Array.isArray(parsed)) return { value: parsed };
  return parsed as Record<string, unknown>;
}

/** A field's value for display: text as is, everything else as compact JSON, absent as an em dash. */
export function formatAuditValue(value: unknown): string {
  if (value === undefined) return '—';
  if (typeof value === 'string') return value;
  return JSON.stringify(value);
}

/**
 * Compares the before and after rows of an entry field by field, in field order. A create has
 * no before (every field added), a delete no after (every field removed).
 */
export function diffAudit(before: unknown, after: unknown): DiffRow[] {
  const b = auditObject(before) ?? {};
  const a = auditObject(after) ?? {};
  const fields = [...new Set([...Object.keys(b), ...Object.keys(a)])].sort();
  return fields.map((field) => {
    const inBefore = Object.hasOwn(b, field);
    const inAfter = Object.hasOwn(a, field);
    const beforeText = inBefore ? formatAuditValue(b[field]) : '—';
    const afterText = inAfter ? formatAuditValue(a[field]) : '—';
    const change = !inBefore ? 'added' : !inAfter ? 'removed' : JSON.stringify(b[field]) === JSON.stringify(a[field]) ? 'unchanged' : 'changed';
    return { field, before: beforeText, after: afterText, change };
  });
}
