import { highestRole, type Grant, type Principal } from '../../auth/roles.ts';
import { builder } from '../builder.ts';
import { RoleEnum } from './enums.ts';

const GrantRef = builder.objectRef<Grant>('Grant').implement({
  description: 'A role held on the organization (teamId null) or on one team.',
  fields: (t) => ({
    role: t.expose('role', { type: RoleEnum }),
    teamId: t.exposeID('teamId', { nullable: true }),
  }),
});

const ViewerRef = builder.objectRef<Principal>('Viewer').implement({
  description: 'Who made the request: a signed-in user or an API token, with their grants.',
  fields: (t) => ({
    id: t.exposeID('id'),
    kind: t.exposeString('kind', { description: '`user` or `token`.' }),
    name: t.exposeString('label', { description: 'Email of the user, or name of the token.' }),
    orgId: t.exposeID('orgId'),
    role: t.field({ type: RoleEnum, nullable: true, description: 'The most powerful role held anywhere.', resolve: (p) => highestRole(p) }),
    grants: t.field({ type: [GrantRef], resolve: (p) => [...p.grants] }),
  }),
});

const ConfigSnapshotInfoRef = builder
  .objectRef<{ version: number; hash: string; createdAt: string }>('ConfigSnapshotInfo')
  .implement({
    description: 'The config snapshot data planes are being served.',
    fields: (t) => ({
      version: t.exposeInt('version'),
      hash: t.exposeString('hash'),
      createdAt: t.expose('createdAt', { type: 'DateTime' }),
    }),
  });

builder.queryFields((t) => ({
  // Every signed-in caller may ask who they are.
  viewer: t.field({ type: ViewerRef, authScopes: { anyTeam: 'config:read' }, resolve: (_root, _args, ctx) => ctx.principal }),
  configSnapshot: t.field({ type: ConfigSnapshotInfoRef, authScopes: { anyTeam: 'config:read' }, resolve: (_root, _args, ctx) => ctx.deps.currentSnapshot() }),
}));
