import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateKey } from '@proxystacks/shared/keys/key-format';
import { generateApiToken, insertApiToken } from '../src/domain/api-tokens.ts';
import { insertKey } from '../src/domain/keys.ts';
import { insertProject } from '../src/domain/projects.ts';
import { buildSchema } from '../src/graphql/build-schema.ts';
import type { Role } from '../src/generated/prisma/client.ts';
import { FIELD_CASES, type Call, type FieldCase, type Fixture, type TeamSlot } from './authorization/field-cases.ts';
import { startGraphQLHarness, type GraphQLHarness } from './graphql/graphql-harness.ts';
import { subscribeOverSse } from './support/sse-subscription.ts';
import { testRequestEvent } from '@proxystacks/shared/events/test-request-event';

/**
 * The authorization matrix (issue 7): every Query, Mutation and Subscription field of the schema, called by
 * every role granted on the organization and on team A, aimed at team A (in scope) and team B
 * (out of scope). Each call is either allowed (no error at all) or refused with `forbidden`,
 * a null answer, and not one row changed anywhere in the database (audit trail included).
 *
 * What each role may do is restated here, from the issue, rather than imported: the test
 * checks the implementation's table as much as each field's declaration.
 */
const ROLE_SPEC: Record<Role, readonly string[]> = {
  OWNER: ['config:read', 'spend:read', 'requests:read', 'audit:read', 'config:write', 'tokens:manage', 'members:manage', 'billing:manage'],
  ADMIN: ['config:read', 'spend:read', 'requests:read', 'audit:read', 'config:write', 'tokens:manage', 'billing:manage'],
  ANALYST: ['config:read', 'spend:read', 'requests:read', 'audit:read'],
  VIEWER: ['config:read', 'spend:read'],
};
const ROLES: readonly Role[] = ['OWNER', 'ADMIN', 'ANALYST', 'VIEWER'];

interface Caller {
  label: string;
  role: Role;
  /** null = granted on the organization; 'A' = on team A only. */
  grantedOn: TeamSlot | null;
  token: string;
}

function expectedAllowed(caller: Caller, field: FieldCase, target: TeamSlot): boolean {
  if (!ROLE_SPEC[caller.role].includes(field.permission)) return false;
  if (caller.grantedOn === null) return true;
  if (field.scope === 'org') return false;
  if (field.scope === 'any') return true;
  return caller.grantedOn === target;
}

let h: GraphQLHarness;
let fx: Fixture;
const callers: Caller[] = [];

beforeAll(async () => {
  h = await startGraphQLHarness();
  const prisma = h.db.prisma;
  const teams = {} as Fixture['teams'];
  for (const slot of ['A', 'B'] as const) {
    const team = await prisma.team.create({ data: { orgId: h.orgId, name: `Team ${slot}` } });
    const project = await insertProject(prisma, { orgId: h.orgId, teamId: team.id, name: 'matrix' });
    const environment = project.environments.find((e) => e.name === 'production')!;
    const { key } = await insertKey(prisma, { orgId: h.orgId, teamId: team.id, projectId: project.id, environmentId: environment.id, name: `key ${slot}`, secret: generateKey() }, h.keySecret);
    teams[slot] = { id: team.id, projectId: project.id, environmentId: environment.id, keyId: key.id };
  }
  const provider = await prisma.provider.create({ data: { orgId: h.orgId, name: 'Matrix mock', type: 'MOCK' } });
  const alias = await prisma.modelAlias.create({ data: { orgId: h.orgId, alias: 'matrix-mini', routes: { create: [{ providerId: provider.id, upstreamModel: 'mock-1' }] } } });
  fx = { prisma, orgId: h.orgId, keySecret: h.keySecret, teams, providerId: provider.id, aliasId: alias.id };
  for (const role of ROLES) {
    for (const grantedOn of [null, 'A'] as const) {
      const token = generateApiToken();
      await insertApiToken(prisma, { orgId: h.orgId, name: `${role} on ${grantedOn ?? 'org'}`, role, teamId: grantedOn === null ? null : teams[grantedOn].id, expiresAt: null, createdByUserId: null, token }, h.keySecret);
      callers.push({ label: `${role}@${grantedOn ?? 'org'}`, role, grantedOn, token });
    }
  }
}, 180_000);

afterAll(() => h?.close());

/**
 * Usage stamps written by authentication itself (a token's or session's last use), not by the
 * field being called: left out of the digest.
 */
const USAGE_STAMPS = new Set(['last_used_at', 'last_seen_at']);

/** A digest of every row of every table: equal before and after means nothing changed. */
async function databaseDigest(): Promise<string> {
  const columns = await h.db.query<{ table_name: string; column_name: string }>(
    `SELECT c.table_name, c.column_name FROM information_schema.columns c
       JOIN information_schema.tables t ON t.table_name = c.table_name AND t.table_schema = c.table_schema
      WHERE c.table_schema = 'public' AND t.table_type = 'BASE TABLE' AND c.table_name <> '_prisma_migrations'
      ORDER BY c.table_name, c.ordinal_position`,
  );
  const byTable = new Map<string, string[]>();
  for (const { table_name, column_name } of columns) {
    if (USAGE_STAMPS.has(column_name)) continue;
    byTable.set(table_name, [...(byTable.get(table_name) ?? []), `"${column_name}"`]);
  }
  const parts: string[] = [];
  for (const [table, cols] of byTable) {
    const [row] = await h.db.query<{ digest: string | null }>(`SELECT md5(string_agg(t.r, '|' ORDER BY t.r)) AS digest FROM (SELECT ROW(${cols.join(', ')})::text AS r FROM "${table}") t`);
    parts.push(`${table}:${row?.digest ?? ''}`);
  }
  return parts.join('\n');
}

async function run(call: Call, token: string, type: OperationType = 'Query') {
  if (type !== 'Subscription') return h.gql(call.query, call.variables ?? {}, token);
  // The live tail says nothing until a request arrives; deployment health answers at once.
  return call.query.includes('requestTail') ? runSubscription(call, token) : firstEvent(call, token);
}

type OperationType = 'Query' | 'Mutation' | 'Subscription';

/** A subscription over SSE: the status and its first event (the answer a refusal would be). */
async function firstEvent(call: Call, token: string): Promise<{ status: number; body: { data?: Record<string, unknown> | null; errors?: Array<{ extensions?: Record<string, unknown> }> } }> {
  const abort = new AbortController();
  const response = await fetch(h.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query: call.query, variables: call.variables ?? {} }),
    signal: abort.signal,
  });
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  let text = '';
  try {
    for (;;) {
      const data = /event: next\ndata: (.*)\n\n/.exec(text)?.[1];
      if (data !== undefined) return { status: response.status, body: JSON.parse(data) as never };
      const { value, done } = await reader.read();
      if (done) throw new Error(`subscription ended without an event: ${text}`);
      text += value;
    }
  } finally {
    abort.abort();
  }
}

/**
 * A subscription's first result over SSE: a refused one answers its error at once; an allowed
 * one stays open, so an event of the team it aims at is published and must arrive.
 */
async function runSubscription(call: Call, token: string) {
  const tail = await subscribeOverSse<Record<string, unknown>>(h.url, token, call.query, call.variables ?? {});
  try {
    const teamId = String(call.variables?.teamId);
    h.requestTail.publish([testRequestEvent({ org_id: h.orgId, team_id: teamId, request_id: `req_${randomUUID().replaceAll('-', '')}` })]);
    const body = (await tail.next()) ?? {};
    return { status: tail.status, body: { ...body, data: body.data ?? null } };
  } finally {
    tail.close();
  }
}

function schemaFields(type: OperationType): string[] {
  const schema = buildSchema();
  const object = type === 'Query' ? schema.getQueryType() : type === 'Mutation' ? schema.getMutationType() : schema.getSubscriptionType();
  return Object.keys(object?.getFields() ?? {}).sort();
}

describe('every field of the schema is in the matrix', () => {
  it.each(['Query', 'Mutation', 'Subscription'] as const)('%s fields and the case table match', (type) => {
    expect(Object.keys(FIELD_CASES[type]).sort()).toEqual(schemaFields(type));
  });
});

describe.each(['Query', 'Mutation', 'Subscription'] as const)('%s', (type) => {
  for (const name of Object.keys(FIELD_CASES[type]).sort()) {
    const field = FIELD_CASES[type][name]!;
    const targets: TeamSlot[] = field.scope === 'team' ? ['A', 'B'] : ['A'];
    it(`${name}: each role on the organization and on team A, aimed at ${targets.join(' and ')}`, async () => {
      const outcomes: string[] = [];
      const expected: string[] = [];
      for (const caller of callers) {
        for (const target of targets) {
          const allowed = expectedAllowed(caller, field, target);
          const call = await field.call(fx, target);
          const label = `${caller.label} → team ${target}`;
          expected.push(`${label}: ${allowed ? 'allowed' : 'forbidden'}`);
          if (allowed) {
            const { status, body } = await run(call, caller.token, type);
            outcomes.push(`${label}: ${status === 200 && !body.errors ? 'allowed' : `error ${JSON.stringify(body.errors ?? status)}`}`);
            continue;
          }
          const before = await databaseDigest();
          const { body } = await run(call, caller.token, type);
          // The field's answer is null: the whole data for a non-null field, the field for a nullable one.
          const answer = body.data === null || (body.data !== undefined && Object.values(body.data).every((v) => v === null));
          const refused = answer && body.errors?.length === 1 && body.errors[0]!.extensions?.code === 'forbidden';
          const unchanged = (await databaseDigest()) === before;
          outcomes.push(`${label}: ${refused && unchanged ? 'forbidden' : `not refused cleanly (${JSON.stringify(body)}; database ${unchanged ? 'unchanged' : 'CHANGED'})`}`);
        }
      }
      expect(outcomes).toEqual(expected);
    }, 120_000);
  }
});

describe('audit completeness', () => {
  const owner = () => callers.find((c) => c.role === 'OWNER' && c.grantedOn === null)!;
  for (const name of Object.keys(FIELD_CASES.Mutation).sort()) {
    it(`${name} leaves an audit entry naming the caller, the mutation and the request`, async () => {
      const call = await FIELD_CASES.Mutation[name]!.call(fx, 'A');
      const requestId = `req_audit_${randomUUID().replaceAll('-', '')}`;
      const lastBefore = (await h.db.prisma.auditEntry.findFirst({ orderBy: { id: 'desc' }, select: { id: true } }))?.id ?? 0n;
      const response = await fetch(h.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${owner().token}`, 'x-request-id': requestId },
        body: JSON.stringify(call),
      });
      const body = (await response.json()) as { errors?: unknown };
      expect(body.errors).toBeUndefined();
      const entries = await h.db.prisma.auditEntry.findMany({ where: { id: { gt: lastBefore } } });
      expect(entries.length).toBeGreaterThan(0);
      for (const entry of entries) {
        expect(entry).toMatchObject({ action: name, actorType: 'TOKEN', actorLabel: 'OWNER on org', requestId, orgId: h.orgId });
        expect(entry.clientAddress).toMatch(/127\.0\.0\.1/);
        expect(entry.objectId).not.toBe('');
      }
    }, 60_000);
  }
});
