import { createEnvironment } from '../../domain/environments.ts';
import { createProject, listProjects, sortEnvironments } from '../../domain/projects.ts';
import { checkListPage } from '../../domain/list-page.ts';
import { objectTeam } from '../../auth/object-team.ts';
import { teamsWith } from '../../auth/roles.ts';
import { LIST_PAGE_ARG_DESCRIPTIONS } from './list-page-args.ts';
import { auditOf } from '../audit-of.ts';
import { builder } from '../builder.ts';

const EnvironmentRef = builder.prismaObject('Environment', {
  description: 'A deployment stage of a project. Keys belong to one; routes and providers refer to environments by name.',
  fields: (t) => ({
    id: t.exposeID('id'),
    name: t.exposeString('name', { description: 'Lower-case slug (`production`, `eu-staging`).' }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    project: t.relation('project'),
  }),
});

builder.prismaObject('Project', {
  description: 'A product of a team. It has the environments production, staging and development, and any others named.',
  fields: (t) => ({
    id: t.exposeID('id'),
    name: t.exposeString('name'),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    team: t.relation('team'),
    environments: t.field({
      type: [EnvironmentRef],
      description: 'production, staging, development, then named ones by name.',
      select: { environments: true },
      resolve: (project) => sortEnvironments(project.environments),
    }),
  }),
});


const CreateProjectInput = builder.inputType('CreateProjectInput', {
  fields: (t) => ({ teamId: t.id({ required: true }), name: t.string({ required: true }) }),
});

const CreateEnvironmentInput = builder.inputType('CreateEnvironmentInput', {
  fields: (t) => ({
    projectId: t.id({ required: true }),
    name: t.string({ required: true, description: 'Lower-case slug, 1–63 characters of a–z, 0–9 and inner hyphens; unique in the project.' }),
  }),
});

builder.queryFields((t) => ({
  projects: t.prismaField({
    authScopes: { anyTeam: 'config:read' },
    type: ['Project'],
    description: 'Projects of the teams you may see, by team then name; `teamId` narrows to one team.',
    args: {
      teamId: t.arg.id(),
      first: t.arg.int({ description: LIST_PAGE_ARG_DESCRIPTIONS.first }),
      after: t.arg.id({ description: LIST_PAGE_ARG_DESCRIPTIONS.after }),
    },
    resolve: (query, _root, args, ctx) =>
      listProjects(
        ctx.prisma,
        { orgId: ctx.principal.orgId, visible: teamsWith(ctx.principal, 'config:read'), teamId: args.teamId === null || args.teamId === undefined ? null : String(args.teamId) },
        checkListPage(args.first, args.after === null || args.after === undefined ? null : String(args.after)),
        query,
      ),
  }),
}));

builder.mutationFields((t) => ({
  createProject: t.prismaField({
    authScopes: async (_root, { input }, ctx) => ({ team: { permission: 'config:write', teamId: await objectTeam.team(ctx.prisma, ctx.principal.orgId, String(input.teamId)) } }),
    type: 'Project',
    description: 'Creates a project of a team, with the environments production, staging and development.',
    args: { input: t.arg({ type: CreateProjectInput, required: true }) },
    resolve: async (query, _root, { input }, ctx, info) => {
      const project = await createProject(ctx.prisma, ctx.principal.orgId, { teamId: String(input.teamId), name: input.name }, auditOf(ctx, info));
      await ctx.deps.onConfigChanged();
      return ctx.prisma.project.findUniqueOrThrow({ ...query, where: { id: project.id } });
    },
  }),
  createEnvironment: t.prismaField({
    authScopes: async (_root, { input }, ctx) => ({
      team: { permission: 'config:write', teamId: await objectTeam.project(ctx.prisma, ctx.principal.orgId, String(input.projectId)) },
    }),
    type: 'Environment',
    description: 'Adds a named environment to a project.',
    args: { input: t.arg({ type: CreateEnvironmentInput, required: true }) },
    resolve: async (query, _root, { input }, ctx, info) => {
      const environment = await createEnvironment(ctx.prisma, ctx.principal.orgId, { projectId: String(input.projectId), name: input.name }, auditOf(ctx, info));
      await ctx.deps.onConfigChanged();
      return ctx.prisma.environment.findUniqueOrThrow({ ...query, where: { id: environment.id } });
    },
  }),
}));
