import { setOrganizationTimeZone } from '../../money/organization-time-zone.ts';
import { auditOf } from '../audit-of.ts';
import { builder } from '../builder.ts';
import { BillingModeEnum } from './ledger.ts';

builder.prismaObject('Organization', {
  description: 'Your organization and its settings.',
  fields: (t) => ({
    id: t.exposeID('id'),
    name: t.exposeString('name'),
    timeZone: t.exposeString('timeZone', { description: 'IANA time zone budget windows (days, ISO weeks, months) are aligned to; default UTC.' }),
    billingMode: t.expose('billingMode', { type: BillingModeEnum, description: 'Whether balances stop requests (PREPAID) or only record spend (POSTPAID); changed by setBillingMode.' }),
  }),
});

builder.queryFields((t) => ({
  organization: t.prismaField({
    authScopes: { anyTeam: 'config:read' },
    type: 'Organization',
    description: 'Your organization.',
    resolve: (query, _root, _args, ctx) => ctx.prisma.organization.findUniqueOrThrow({ ...query, where: { id: ctx.principal.orgId } }),
  }),
}));

builder.mutationFields((t) => ({
  setOrganizationTimeZone: t.prismaField({
    authScopes: { org: 'config:write' },
    type: 'Organization',
    description: 'Sets the time zone budget windows are aligned to (an IANA name such as `Europe/Berlin`).',
    args: { timeZone: t.arg.string({ required: true }) },
    resolve: async (query, _root, { timeZone }, ctx, info) => {
      await setOrganizationTimeZone(ctx.prisma, ctx.principal.orgId, timeZone, auditOf(ctx, info));
      await ctx.deps.onConfigChanged();
      return ctx.prisma.organization.findUniqueOrThrow({ ...query, where: { id: ctx.principal.orgId } });
    },
  }),
}));
