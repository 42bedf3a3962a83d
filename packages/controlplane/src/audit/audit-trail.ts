import { Prisma } from '../generated/prisma/client.ts';
import { redactForAudit } from './redact-for-audit.ts';

/** Who made a change. SYSTEM is the control plane itself (bootstrap, CLI commands). */
export interface AuditActor {
  type: 'USER' | 'TOKEN' | 'SYSTEM';
  /** User or token id; '' for SYSTEM. */
  id: string;
  /** Email of the user or name of the token, as it is now (entries keep it even if it changes later). */
  label: string;
}

/** Everything an audit entry records about the request that made a change. */
export interface AuditContext {
  orgId: string;
  actor: AuditActor;
  /** The GraphQL mutation (or CLI command) making the change. */
  action: string;
  requestId: string;
  clientAddress: string;
}

/** One change to one object. */
export interface AuditChange {
  objectType: string;
  objectId: string;
  /** The object before the change; null when it was created. Secrets are redacted here. */
  before: unknown;
  /** The object after the change; null when it was deleted. Secrets are redacted here. */
  after: unknown;
}

/**
 * Appends one audit entry, inside the caller's transaction: the change and its record commit or
 * roll back together. The table refuses UPDATE and DELETE (a trigger), so entries are final.
 */
export async function writeAudit(tx: Prisma.TransactionClient, audit: AuditContext, change: AuditChange): Promise<void> {
  await tx.auditEntry.create({
    data: {
      orgId: audit.orgId,
      actorType: audit.actor.type,
      actorId: audit.actor.id,
      actorLabel: audit.actor.label,
      action: audit.action,
      objectType: change.objectType,
      objectId: change.objectId,
      before: toJson(change.before),
      after: toJson(change.after),
      requestId: audit.requestId,
      clientAddress: audit.clientAddress,
    },
  });
}

/** A SYSTEM audit context, for changes the control plane makes on its own (bootstrap, CLI). */
export function systemAudit(orgId: string, action: string, requestId: string): AuditContext {
  return { orgId, actor: { type: 'SYSTEM', id: '', label: 'relay' }, action, requestId, clientAddress: '' };
}

/** Redacted JSON, or SQL NULL for "no object" (a JSON null would read as an object that was null). */
function toJson(value: unknown): Prisma.InputJsonValue | typeof Prisma.DbNull {
  const redacted = redactForAudit(value);
  return redacted === null ? Prisma.DbNull : (redacted as Prisma.InputJsonValue);
}
