import type { AuditEntry } from '../../generated/prisma/client.ts';
import { AUDIT_PAGE_LIMIT, listAuditEntries } from '../../domain/audit-query.ts';
import { builder } from '../builder.ts';
import { AuditActorTypeEnum } from './enums.ts';

const AuditEntryRef = builder.objectRef<AuditEntry>('AuditEntry').implement({
  description: 'One change: who made it, when, to what, and the object before and after (secrets redacted). Entries are never changed or deleted.',
  fields: (t) => ({
    id: t.id({ resolve: (entry) => entry.id.toString() }),
    at: t.expose('at', { type: 'DateTime' }),
    actorType: t.expose('actorType', { type: AuditActorTypeEnum }),
    actorId: t.exposeString('actorId', { description: "User or token id; '' when the control plane itself made the change." }),
    actorLabel: t.exposeString('actorLabel', { description: 'Email of the user or name of the token, as it was then.' }),
    action: t.exposeString('action', { description: 'The mutation (or CLI command) that made the change.' }),
    objectType: t.exposeString('objectType', { description: '`ApiKey`, `Project`, `Environment`, `Team`, `Provider`, `User`, …' }),
    objectId: t.exposeString('objectId'),
    before: t.field({ type: 'JSON', nullable: true, description: 'The object before the change; null when it was created.', resolve: (entry) => entry.before }),
    after: t.field({ type: 'JSON', nullable: true, description: 'The object after the change; null when it was deleted.', resolve: (entry) => entry.after }),
    requestId: t.exposeString('requestId', { description: 'The `x-request-id` of the request that made the change.' }),
    clientAddress: t.exposeString('clientAddress', { description: 'Peer address of that request; empty for CLI changes.' }),
  }),
});

const AuditPageRef = builder.objectRef<{ entries: AuditEntry[]; nextCursor: string | null }>('AuditPage').implement({
  description: 'A page of the audit trail, newest first.',
  fields: (t) => ({
    entries: t.field({ type: [AuditEntryRef], resolve: (page) => page.entries }),
    nextCursor: t.exposeString('nextCursor', { nullable: true, description: 'Pass as `after` for the next page; null on the last page.' }),
  }),
});

const AuditEntryFilterInput = builder.inputType('AuditEntryFilter', {
  description: 'Narrows the audit trail; the fields combine (AND).',
  fields: (t) => ({
    objectType: t.string({ description: '`ApiKey`, `Project`, `User`, …' }),
    objectId: t.string(),
    actorId: t.string({ description: "User or token id ('' for changes the control plane made itself)." }),
    action: t.string({ description: 'A mutation name, e.g. `rotateKey`.' }),
    from: t.field({ type: 'DateTime', description: 'Entries at or after this instant.' }),
    to: t.field({ type: 'DateTime', description: 'Entries before this instant.' }),
  }),
});

builder.queryFields((t) => ({
  auditEntries: t.field({
    authScopes: { org: 'audit:read' },
    type: AuditPageRef,
    description: 'The audit trail of your organization, newest first.',
    args: {
      filter: t.arg({ type: AuditEntryFilterInput }),
      first: t.arg.int({ description: `Page size, ${AUDIT_PAGE_LIMIT.min}–${AUDIT_PAGE_LIMIT.max} (default ${AUDIT_PAGE_LIMIT.default}).` }),
      after: t.arg.string({ description: '`nextCursor` of the previous page.' }),
    },
    resolve: (_root, args, ctx) => listAuditEntries(ctx.prisma, ctx.principal.orgId, args.filter ?? {}, { first: args.first, after: args.after }),
  }),
}));
