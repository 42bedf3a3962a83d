import type { Admin } from '../../domain/admin-tokens.ts';
import { builder } from '../builder.ts';

const AdminRef = builder.objectRef<Admin>('Admin').implement({
  description: 'The admin whose token made the request.',
  fields: (t) => ({
    id: t.exposeID('id'),
    name: t.exposeString('name'),
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
  viewer: t.field({ type: AdminRef, resolve: (_root, _args, ctx) => ctx.admin }),
  configSnapshot: t.field({ type: ConfigSnapshotInfoRef, resolve: (_root, _args, ctx) => ctx.deps.currentSnapshot() }),
}));
