import { createTeam, listTeams } from '../../domain/teams.ts';
import { checkListPage } from '../../domain/list-page.ts';
import { LIST_PAGE_ARG_DESCRIPTIONS } from './list-page-args.ts';
import { builder } from '../builder.ts';

builder.prismaObject('Team', {
  description: 'A team owns keys; spend rolls up to it.',
  fields: (t) => ({
    id: t.exposeID('id'),
    name: t.exposeString('name'),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});

const CreateTeamInput = builder.inputType('CreateTeamInput', {
  fields: (t) => ({ name: t.string({ required: true }) }),
});

builder.queryFields((t) => ({
  teams: t.prismaField({
    authScopes: { anyTeam: 'config:read' },
    type: ['Team'],
    description: 'Teams of your organization, by name.',
    args: { first: t.arg.int({ description: LIST_PAGE_ARG_DESCRIPTIONS.first }), after: t.arg.id({ description: LIST_PAGE_ARG_DESCRIPTIONS.after }) },
    resolve: (query, _root, args, ctx) => listTeams(ctx.prisma, ctx.principal.orgId, checkListPage(args.first, args.after === null || args.after === undefined ? null : String(args.after)), query),
  }),
}));

builder.mutationFields((t) => ({
  createTeam: t.prismaField({
    authScopes: { org: 'config:write' },
    type: 'Team',
    args: { input: t.arg({ type: CreateTeamInput, required: true }) },
    resolve: async (_query, _root, { input }, ctx) => {
      const team = await createTeam(ctx.prisma, ctx.principal.orgId, input);
      await ctx.deps.onConfigChanged();
      return team;
    },
  }),
}));
