import type { GraphQLResolveInfo } from 'graphql';
import type { AuditContext } from '../audit/audit-trail.ts';
import type { GraphQLContext } from './context.ts';

/**
 * The audit context of a mutation field: the caller, the mutation's name (the field being
 * resolved), the request id and the client address. Mutations hand it to the domain function,
 * which writes the entry in its own transaction (audit/audit-trail.ts).
 */
export function auditOf(ctx: GraphQLContext, info: GraphQLResolveInfo): AuditContext {
  return {
    orgId: ctx.principal.orgId,
    actor: { type: ctx.principal.kind === 'user' ? 'USER' : 'TOKEN', id: ctx.principal.id, label: ctx.principal.label },
    action: info.fieldName,
    requestId: ctx.origin.requestId,
    clientAddress: ctx.origin.clientAddress,
  };
}
