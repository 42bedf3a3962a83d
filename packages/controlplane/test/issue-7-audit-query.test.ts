import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Role } from '../src/generated/prisma/client.ts';
import { writeAudit, type AuditContext } from '../src/audit/audit-trail.ts';
import { generateApiToken, insertApiToken } from '../src/domain/api-tokens.ts';
import { startGraphQLHarness, type GraphQLHarness } from './graphql/graphql-harness.ts';

/**
 * Issue 7: the audit trail is queryable over GraphQL with filters and cursors, for callers with
 * `audit:read` on the organization. Entries are written with writeAudit directly (the mutations
 * that write them are wired elsewhere), in this org and in another one that must never show.
 */

const ENTRY = 'id at actorType actorId actorLabel action objectType objectId before after requestId clientAddress';
const AUDIT = `query($filter: AuditEntryFilter, $first: Int, $after: String) {
  auditEntries(filter: $filter, first: $first, after: $after) { entries { ${ENTRY} } nextCursor }
}`;

interface Entry {
  id: string;
  at: string;
  actorType: string;
  actorId: string;
  actorLabel: string;
  action: string;
  objectType: string;
  objectId: string;
  before: unknown;
  after: unknown;
  requestId: string;
  clientAddress: string;
}
interface Page {
  entries: Entry[];
  nextCursor: string | null;
}

let h: GraphQLHarness;
const alice = { type: 'USER' as const, id: randomUUID(), label: 'alice@example.com' };
const robot = { type: 'TOKEN' as const, id: randomUUID(), label: 'deploy bot' };
const keyIds = [randomUUID(), randomUUID(), randomUUID()];

function ctx(orgId: string, actor: AuditContext['actor'], action: string, n: number): AuditContext {
  return { orgId, actor, action, requestId: `req-${action}-${n}`, clientAddress: '127.0.0.1' };
}

async function page(vars: Record<string, unknown>, as: string | null = h.adminToken): Promise<Page> {
  const { body } = await h.gql<{ auditEntries: Page }>(AUDIT, vars, as);
  if (body.errors) throw new Error(JSON.stringify(body.errors));
  return body.data!.auditEntries;
}

/** Every entry matching `filter`, walked `first` at a time; fails if a page repeats an id. */
async function walk(filter: Record<string, unknown> | null, first: number): Promise<Entry[]> {
  const all: Entry[] = [];
  let after: string | null = null;
  for (let pages = 0; pages < 100; pages++) {
    const p: Page = await page({ filter, first, after });
    expect(p.entries.length).toBeLessThanOrEqual(first);
    all.push(...p.entries);
    if (p.nextCursor === null) return all;
    after = p.nextCursor;
  }
  throw new Error('the walk did not end');
}

async function token(role: Role, teamId: string | null): Promise<string> {
  const secret = generateApiToken();
  await insertApiToken(h.db.prisma, { orgId: h.orgId, name: `${role} ${teamId ?? 'org'}`, role, teamId, expiresAt: null, createdByUserId: null, token: secret }, h.keySecret);
  return secret;
}

beforeAll(async () => {
  h = await startGraphQLHarness();
  const other = await h.db.prisma.organization.create({ data: { name: 'Other organization' } });
  const prisma = h.db.prisma;
  for (let i = 0; i < 12; i++) {
    const id = keyIds[i % 3]!;
    await writeAudit(prisma, ctx(h.orgId, i % 2 === 0 ? alice : robot, i % 4 === 0 ? 'createKey' : 'updateKey', i), {
      objectType: 'ApiKey',
      objectId: id,
      before: i % 4 === 0 ? null : { id, name: `key ${i - 1}`, hash: 'deadbeef', labels: { team: 'web' } },
      after: { id, name: `key ${i}`, hash: 'deadbeef', labels: { team: 'web' } },
    });
    // Another organization's entries interleave; they must never show.
    await writeAudit(prisma, ctx(other.id, alice, 'createKey', i), { objectType: 'ApiKey', objectId: id, before: null, after: { id } });
  }
  for (let i = 0; i < 5; i++) {
    await writeAudit(prisma, ctx(h.orgId, alice, 'createProject', i), { objectType: 'Project', objectId: randomUUID(), before: null, after: { name: `p${i}` } });
  }
  await writeAudit(prisma, { ...ctx(h.orgId, { type: 'SYSTEM', id: '', label: 'relay' }, 'rotate-master-key', 0), clientAddress: '' }, {
    objectType: 'Provider',
    objectId: randomUUID(),
    before: { credentialSealed: 'v1.a.b.c' },
    after: { credentialSealed: 'v1.d.e.f' },
  });
}, 120_000);

afterAll(async () => {
  await h?.close();
});

describe('auditEntries', () => {
  it('walks every entry of the organization exactly once, newest first, with cursors', async () => {
    const expected = await h.db.prisma.auditEntry.findMany({ where: { orgId: h.orgId }, orderBy: { id: 'desc' }, select: { id: true } });
    expect(expected.length).toBeGreaterThanOrEqual(18);
    for (const first of [1, 5, 7, 200]) {
      const ids = (await walk(null, first)).map((e) => e.id);
      expect(ids).toEqual(expected.map((e) => e.id.toString()));
    }
  });

  it('keeps paging where it was when entries are written between pages', async () => {
    const first = await page({ first: 4 });
    await writeAudit(h.db.prisma, ctx(h.orgId, alice, 'createTeam', 99), { objectType: 'Team', objectId: randomUUID(), before: null, after: { name: 'late' } });
    const second = await page({ first: 4, after: first.nextCursor });
    const lastOfFirst = BigInt(first.entries.at(-1)!.id);
    expect(second.entries).toHaveLength(4);
    expect(second.entries.every((e) => BigInt(e.id) < lastOfFirst)).toBe(true);
    expect((await page({ first: 1 })).entries[0]?.action).toBe('createTeam');
  });

  it('shows who, what, when and the redacted before and after as JSON objects', async () => {
    const [entry] = (await page({ filter: { objectId: keyIds[1], action: 'updateKey', actorId: robot.id }, first: 1 })).entries;
    expect(entry).toMatchObject({
      actorType: 'TOKEN',
      actorId: robot.id,
      actorLabel: 'deploy bot',
      action: 'updateKey',
      objectType: 'ApiKey',
      objectId: keyIds[1],
      requestId: 'req-updateKey-7',
      clientAddress: '127.0.0.1',
      before: { id: keyIds[1], name: 'key 6', hash: '[redacted]', labels: { team: 'web' } },
      after: { id: keyIds[1], name: 'key 7', hash: '[redacted]', labels: { team: 'web' } },
    });
    expect(Number.isNaN(Date.parse(entry!.at))).toBe(false);
    const [created] = (await page({ filter: { action: 'createKey', objectId: keyIds[0] }, first: 1 })).entries;
    expect(created?.before).toBeNull();
    const [system] = (await page({ filter: { actorId: '' } })).entries;
    expect(system).toMatchObject({ actorType: 'SYSTEM', action: 'rotate-master-key', before: { credentialSealed: '[redacted]' } });
  });

  it('filters by object type, object id, actor and action, and the filters combine', async () => {
    const ofType = await walk({ objectType: 'Project' }, 2);
    expect(ofType.map((e) => e.action)).toEqual(Array(5).fill('createProject'));
    const ofKey = await walk({ objectId: keyIds[2] }, 50);
    expect(ofKey.map((e) => e.requestId)).toEqual(['req-updateKey-11', 'req-createKey-8', 'req-updateKey-5', 'req-updateKey-2']);
    const byRobot = await walk({ actorId: robot.id }, 50);
    expect(byRobot).toHaveLength(6);
    expect(byRobot.every((e) => e.actorLabel === 'deploy bot')).toBe(true);
    const created = await walk({ action: 'createKey' }, 50);
    expect(created.map((e) => e.requestId)).toEqual(['req-createKey-8', 'req-createKey-4', 'req-createKey-0']);
    const combined = await walk({ objectType: 'ApiKey', objectId: keyIds[0], actorId: alice.id, action: 'updateKey' }, 50);
    expect(combined.map((e) => e.requestId)).toEqual(['req-updateKey-6']);
    expect(await walk({ objectType: 'ApiKey', action: 'createProject' }, 50)).toEqual([]);
  });

  it('filters by time, [from, to) half-open', async () => {
    const rows = await h.db.prisma.auditEntry.findMany({ where: { orgId: h.orgId }, orderBy: { id: 'asc' } });
    const from = rows[5]!.at;
    const to = rows[12]!.at;
    const expected = rows.filter((r) => r.at >= from && r.at < to).reverse().map((r) => r.id.toString());
    const got = await walk({ from: from.toISOString(), to: to.toISOString() }, 3);
    expect(got.map((e) => e.id)).toEqual(expected);
    expect(got.map((e) => e.id)).toContain(rows[5]!.id.toString());
    const combined = await walk({ from: from.toISOString(), objectType: 'Project' }, 50);
    expect(combined.map((e) => e.id)).toEqual(rows.filter((r) => r.at >= from && r.objectType === 'Project').reverse().map((r) => r.id.toString()));
  });

  it('refuses a page size above 200, a cursor it did not make and a reversed range', async () => {
    const code = async (vars: Record<string, unknown>) => (await h.gql(AUDIT, vars)).body.errors?.[0]?.extensions?.code;
    expect(await code({ first: 201 })).toBe('BAD_USER_INPUT');
    expect(await code({ first: 0 })).toBe('BAD_USER_INPUT');
    expect(await code({ after: 'not-a-cursor' })).toBe('BAD_USER_INPUT');
    expect(await code({ after: Buffer.from('audit:-1').toString('base64url') })).toBe('BAD_USER_INPUT');
    expect(await code({ filter: { from: '2025-01-02T00:00:00Z', to: '2025-01-01T00:00:00Z' } })).toBe('BAD_USER_INPUT');
    expect((await page({})).entries.length).toBeLessThanOrEqual(50);
  });

  it('is for audit:read on the organization only: viewers and team-scoped roles are forbidden', async () => {
    for (const [role, teamId] of [['VIEWER', null], ['ANALYST', (await h.db.prisma.team.findFirstOrThrow({ where: { orgId: h.orgId } })).id]] as const) {
      const { body } = await h.gql(AUDIT, {}, await token(role, teamId));
      expect(body.data).toBeNull();
      expect(body.errors?.[0]?.extensions?.code).toBe('forbidden');
    }
    const analyst = await token('ANALYST', null);
    expect((await page({ first: 1 }, analyst)).entries).toHaveLength(1);
  });
});
