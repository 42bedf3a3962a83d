import type { PrismaClient } from '../generated/prisma/client.ts';
import { isUuid } from '../domain/input-schemas.ts';

/**
 * The team that owns an object, for team-scoped authorization (graphql/builder.ts `team` scope).
 * Each lookup is bound to the caller's organization: an object of another organization, a
 * malformed id, or no object at all resolve to null, which only an organization grant passes
 * (and the resolver then answers NOT_FOUND, so nothing tells a team-scoped caller whether an
 * id exists elsewhere).
 */
export const objectTeam = {
  team: async (prisma: PrismaClient, orgId: string, id: unknown) => (isId(id) ? ((await prisma.team.findFirst({ where: { id, orgId }, select: { id: true } }))?.id ?? null) : null),
  project: async (prisma: PrismaClient, orgId: string, id: unknown) =>
    isId(id) ? ((await prisma.project.findFirst({ where: { id, orgId }, select: { teamId: true } }))?.teamId ?? null) : null,
  environment: async (prisma: PrismaClient, orgId: string, id: unknown) =>
    isId(id) ? ((await prisma.environment.findFirst({ where: { id, orgId }, select: { project: { select: { teamId: true } } } }))?.project.teamId ?? null) : null,
  key: async (prisma: PrismaClient, orgId: string, id: unknown) => (isId(id) ? ((await prisma.apiKey.findFirst({ where: { id, orgId }, select: { teamId: true } }))?.teamId ?? null) : null),
  apiToken: async (prisma: PrismaClient, orgId: string, id: unknown) =>
    isId(id) ? ((await prisma.apiToken.findFirst({ where: { id, orgId }, select: { teamId: true } }))?.teamId ?? null) : null,
};

function isId(id: unknown): id is string {
  return typeof id === 'string' && isUuid(id);
}
