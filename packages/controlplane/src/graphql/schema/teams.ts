import { createTeam, listTeams, updateTeam } from '../../domain/teams.ts';
import { checkListPage } from '../../domain/list-page.ts';
import { teamsWith } from '../../auth/roles.ts';
import { LIST_PAGE_ARG_DESCRIPTIONS } from './list-page-args.ts';
import { auditOf } from '../audit-of.ts';
import { builder } from '../builder.ts';

builder.prismaObject('Team', {
  description: 'A team owns projects, and through their environments keys; spend rolls up to it. Roles can be granted on a team.',
  fields: (t) => ({
    id: t.exposeID('id'),
    name: t.exposeString('name'),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    projects: t.relation('projects', { description: 'By name; every team starts with `default`.', query: { orderBy: [{ name: 'asc' }, { id: 'asc' }] } }),
  }),
});

const CreateTeamInput = builder.inputType('CreateTeamInput', {
  fields: (t) => ({ name: t.string({ required: true }) }),
});

const UpdateTeamInput = builder.inputType('UpdateTeamInput', {
  fields: (t) => ({ name: t.string({ required: true }) }),
});

builder.queryFields((t) => ({
  teams: t.prismaField({
    authScopes: { anyTeam: 'config:read' },
    type: ['Team'],
    description: 'Teams of your organization you may see, by name.',
    args: { first: t.arg.int({ description: LIST_PAGE_ARG_DESCRIPTIONS.first }), after: t.arg.id({ description: LIST_PAGE_ARG_DESCRIPTIONS.after }) },
    resolve: (query, _root, args, ctx) =>
      listTeams(
        ctx.prisma,
        { orgId: ctx.principal.orgId, visible: teamsWith(ctx.principal, 'config:read') },
        checkListPage(args.first, args.after === null || args.after === undefined ? null : String(args.after)),
        query,
      ),
  }),
}));

builder.mutationFields((t) => ({
  createTeam: t.prismaField({
    authScopes: { org: 'config:write' },
    type: 'Team',
    description: 'Creates a team with a `default` project (production, staging, development).',
    args: { input: t.arg({ type: CreateTeamInput, required: true }) },
    resolve: async (_query, _root, { input }, ctx, info) => {
      const team = await createTeam(ctx.prisma, ctx.principal.orgId, input, auditOf(ctx, info));
      await ctx.deps.onConfigChanged();
      return team;
    },
  }),
  updateTeam: t.prismaField({
    authScopes: { org: 'config:write' },
    type: 'Team',
    description: 'Renames a team.',
    args: { id: t.arg.id({ required: true }), input: t.arg({ type: UpdateTeamInput, required: true }) },
    resolve: async (_query, _root, { id, input }, ctx, info) => {
      const team = await updateTeam(ctx.prisma, ctx.principal.orgId, String(id), input, auditOf(ctx, info));
      await ctx.deps.onConfigChanged();
      return team;
    },
  }),
}));
