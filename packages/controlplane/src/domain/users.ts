import { z } from 'zod';
import type { Prisma, PrismaClient, Role, SetupLink, User } from '../generated/prisma/client.ts';
import { writeAudit, type AuditContext } from '../audit/audit-trail.ts';
import { InputError, parseInput, rejectDuplicate } from './input-error.ts';
import { isUuid, nameSchema } from './input-schemas.ts';
import { afterNotInList, prismaPage, type ListPage } from './list-page.ts';
import { issueSetupLink } from './setup-links.ts';
import { inTransaction } from './transaction.ts';

/**
 * Users of an organization and their role grants. Who may call these is declared in the
 * schema (members:manage, graphql/schema/users.ts); the one rule enforced here is about the
 * data, not the caller: an organization always keeps an enabled user holding OWNER on it.
 */

/** An email as stored: trimmed, lower-cased (sign-in looks it up the same way). */
export const emailSchema = z
  .string()
  .trim()
  .toLowerCase()
  .max(254, 'must be at most 254 characters')
  .regex(/^[^\s@]+@[^\s@]+$/, 'must be an email address');

const roleSchema = z.enum(['OWNER', 'ADMIN', 'ANALYST', 'VIEWER']);

const createUserSchema = z.object({ email: emailSchema, name: nameSchema, role: roleSchema, teamId: z.string().nullable() });

/** Input of {@link createUser}: the user and their first grant (teamId null = the organization). */
export interface CreateUserInput {
  email: string;
  name: string;
  role: Role;
  teamId: string | null;
}

/** A new user with the token of their set-up link (shown once). */
export interface CreatedUser {
  user: User;
  setupToken: string;
  setupLink: SetupLink;
}

const noSuchUser = () => new InputError('No user with this id in your organization.', 'NOT_FOUND', 'id');

/**
 * Serialises changes to who owns an organization (row lock on it): two owners demoting each
 * other at once must not both see "another owner remains".
 */
async function lockMembership(tx: Prisma.TransactionClient, orgId: string): Promise<void> {
  await tx.$queryRaw`SELECT id FROM organization WHERE id = ${orgId}::uuid FOR UPDATE`;
}

/** Refuses a change that would leave `orgId` with no enabled user holding OWNER on the organization. */
async function keepAnOwner(tx: Prisma.TransactionClient, orgId: string, change: { withoutGrantId?: string; withoutUserId?: string }): Promise<void> {
  const owners = await tx.roleGrant.count({
    where: {
      orgId,
      teamId: null,
      role: 'OWNER',
      user: { disabledAt: null, ...(change.withoutUserId ? { id: { not: change.withoutUserId } } : {}) },
      ...(change.withoutGrantId ? { id: { not: change.withoutGrantId } } : {}),
    },
  });
  if (owners === 0) {
    throw new InputError('This is the organization’s last owner: grant OWNER on the organization to another user first.', 'BAD_USER_INPUT');
  }
}

async function checkTeam(tx: Prisma.TransactionClient, orgId: string, teamId: string | null): Promise<void> {
  if (teamId !== null && !(isUuid(teamId) && (await tx.team.findFirst({ where: { id: teamId, orgId }, select: { id: true } })))) {
    throw new InputError('No team with this id in your organization.', 'NOT_FOUND', 'teamId');
  }
}

async function findUser(tx: Prisma.TransactionClient, orgId: string, id: string): Promise<User> {
  const user = isUuid(id) ? await tx.user.findFirst({ where: { id, orgId } }) : null;
  if (!user) throw noSuchUser();
  return user;
}

/** Creates a user with one grant and a set-up link (no password yet). Audited in one transaction. */
export async function createUser(prisma: PrismaClient, orgId: string, input: CreateUserInput, keySecret: string, audit: AuditContext): Promise<CreatedUser> {
  const parsed = parseInput(createUserSchema, input);
  return rejectDuplicate(
    () =>
      inTransaction(prisma, async (tx) => {
        await checkTeam(tx, orgId, parsed.teamId);
        const user = await tx.user.create({ data: { orgId, email: parsed.email, name: parsed.name } });
        const grant = await tx.roleGrant.create({ data: { orgId, userId: user.id, role: parsed.role, teamId: parsed.teamId } });
        const { token, link } = await issueSetupLink(tx, user.id, keySecret);
        await writeAudit(tx, audit, { objectType: 'User', objectId: user.id, before: null, after: user });
        await writeAudit(tx, audit, { objectType: 'RoleGrant', objectId: grant.id, before: null, after: grant });
        await writeAudit(tx, audit, { objectType: 'SetupLink', objectId: link.id, before: null, after: link });
        return { user, setupToken: token, setupLink: link };
      }),
    `A user with the email ${parsed.email} already exists.`,
    'email',
  );
}

/**
 * A fresh set-up link for a user (a newcomer who lost theirs, or a password reset): earlier
 * unused links stop working. Signing in keeps working with the current password until the link
 * sets a new one.
 */
export async function createSetupLinkFor(prisma: PrismaClient, orgId: string, userId: string, keySecret: string, audit: AuditContext): Promise<{ token: string; link: SetupLink }> {
  return inTransaction(prisma, async (tx) => {
    const user = await findUser(tx, orgId, userId);
    if (user.disabledAt !== null) throw new InputError('This user is disabled: enable them before handing out a set-up link.', 'BAD_USER_INPUT', 'userId');
    const { token, link } = await issueSetupLink(tx, user.id, keySecret);
    await writeAudit(tx, audit, { objectType: 'SetupLink', objectId: link.id, before: null, after: link });
    return { token, link };
  });
}

const grantSchema = z.object({ userId: z.string(), role: roleSchema, teamId: z.string().nullable() });

/**
 * Grants `role` on `teamId` (null = the organization). A user holds one grant per scope: an
 * existing one there changes role (demoting the last organization owner is refused).
 */
export async function grantRole(prisma: PrismaClient, orgId: string, input: { userId: string; role: Role; teamId: string | null }, audit: AuditContext): Promise<User> {
  const parsed = parseInput(grantSchema, input);
  return inTransaction(prisma, async (tx) => {
    await lockMembership(tx, orgId);
    const user = await findUser(tx, orgId, parsed.userId);
    await checkTeam(tx, orgId, parsed.teamId);
    const before = await tx.roleGrant.findFirst({ where: { userId: user.id, teamId: parsed.teamId } });
    if (before && before.teamId === null && before.role === 'OWNER' && parsed.role !== 'OWNER') await keepAnOwner(tx, orgId, { withoutGrantId: before.id });
    const after = before
      ? await tx.roleGrant.update({ where: { id: before.id }, data: { role: parsed.role } })
      : await tx.roleGrant.create({ data: { orgId, userId: user.id, role: parsed.role, teamId: parsed.teamId } });
    await writeAudit(tx, audit, { objectType: 'RoleGrant', objectId: after.id, before, after });
    return user;
  });
}

/** Removes a grant; the user stays (with their other grants, or none). The last organization owner's is refused. */
export async function revokeRole(prisma: PrismaClient, orgId: string, grantId: string, audit: AuditContext): Promise<User> {
  return inTransaction(prisma, async (tx) => {
    await lockMembership(tx, orgId);
    const grant = isUuid(grantId) ? await tx.roleGrant.findFirst({ where: { id: grantId, orgId } }) : null;
    if (!grant) throw new InputError('No role grant with this id in your organization.', 'NOT_FOUND', 'grantId');
    if (grant.teamId === null && grant.role === 'OWNER') await keepAnOwner(tx, orgId, { withoutGrantId: grant.id });
    await tx.roleGrant.delete({ where: { id: grant.id } });
    await writeAudit(tx, audit, { objectType: 'RoleGrant', objectId: grant.id, before: grant, after: null });
    return tx.user.findUniqueOrThrow({ where: { id: grant.userId } });
  });
}

/**
 * Disables a user: their sessions end in the same transaction and sign-in refuses them until
 * they are enabled again (idempotent). The last enabled organization owner cannot be disabled.
 */
export async function disableUser(prisma: PrismaClient, orgId: string, id: string, audit: AuditContext): Promise<User> {
  return inTransaction(prisma, async (tx) => {
    await lockMembership(tx, orgId);
    const before = await findUser(tx, orgId, id);
    const owns = (await tx.roleGrant.count({ where: { userId: before.id, teamId: null, role: 'OWNER' } })) > 0;
    if (before.disabledAt === null && owns) await keepAnOwner(tx, orgId, { withoutUserId: before.id });
    const after = before.disabledAt === null ? await tx.user.update({ where: { id: before.id }, data: { disabledAt: new Date() } }) : before;
    await endSessions(tx, before.id, audit);
    await writeAudit(tx, audit, { objectType: 'User', objectId: before.id, before, after });
    return after;
  });
}

/** Enables a disabled user (idempotent); they sign in with their password again. */
export async function enableUser(prisma: PrismaClient, orgId: string, id: string, audit: AuditContext): Promise<User> {
  return inTransaction(prisma, async (tx) => {
    const before = await findUser(tx, orgId, id);
    const after = before.disabledAt === null ? before : await tx.user.update({ where: { id: before.id }, data: { disabledAt: null } });
    await writeAudit(tx, audit, { objectType: 'User', objectId: before.id, before, after });
    return after;
  });
}

/** Ends every session of `userId`, each audited; returns how many ended. */
async function endSessions(tx: Prisma.TransactionClient, userId: string, audit: AuditContext): Promise<number> {
  const sessions = await tx.userSession.findMany({ where: { userId } });
  if (sessions.length === 0) return 0;
  await tx.userSession.deleteMany({ where: { id: { in: sessions.map((s) => s.id) } } });
  for (const session of sessions) await writeAudit(tx, audit, { objectType: 'UserSession', objectId: session.id, before: session, after: null });
  return sessions.length;
}

/**
 * Ends every session of a user ("sign out everywhere"): each ended session is audited, and a
 * call that found none still leaves an entry on the user. Returns how many ended.
 */
export async function signOutEverywhere(prisma: PrismaClient, orgId: string, userId: string, audit: AuditContext): Promise<number> {
  return inTransaction(prisma, async (tx) => {
    const user = await findUser(tx, orgId, userId);
    const ended = await endSessions(tx, user.id, audit);
    if (ended === 0) await writeAudit(tx, audit, { objectType: 'User', objectId: user.id, before: user, after: user });
    return ended;
  });
}

/** Users of `orgId`, by email. */
export async function listUsers(prisma: PrismaClient, orgId: string, page: ListPage, query: { include?: Prisma.UserInclude; select?: Prisma.UserSelect } = {}): Promise<User[]> {
  if (page.after !== null && (await prisma.user.count({ where: { orgId, id: page.after } })) === 0) throw afterNotInList();
  return prisma.user.findMany({ ...query, where: { orgId }, orderBy: [{ email: 'asc' }, { id: 'asc' }], ...prismaPage(page) } as Prisma.UserFindManyArgs);
}
