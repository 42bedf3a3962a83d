import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RequestEvent } from '@proxystacks/shared/events/request-event';
import { formatEventTime } from '@proxystacks/shared/events/request-events-ddl';
import { insertRequestEvents } from '@proxystacks/shared/events/insert-request-events';
import { testRequestEvent } from '@proxystacks/shared/events/test-request-event';
import { generateKey } from '@proxystacks/shared/keys/key-format';
import { generateApiToken, insertApiToken } from '../src/domain/api-tokens.ts';
import { insertKey } from '../src/domain/keys.ts';
import { insertProject } from '../src/domain/projects.ts';
import { csvCell } from '../src/export/csv.ts';
import { handleExport } from '../src/export/export-routes.ts';
import type { Role } from '../src/generated/prisma/client.ts';
import { startGraphQLHarness, type GraphQLHarness } from './graphql/graphql-harness.ts';
import { completeSetup } from './support/console-session.ts';

/**
 * Issue 10: CSV exports of the request log and of spend over real HTTP: authenticated like
 * /graphql (bearer token, or session cookie plus CSRF header), permission-checked and scoped like
 * the GraphQL fields, filtered like them, streamed in chunks, and safe to open in a spreadsheet.
 */

const DAY0 = Date.parse('2026-03-02T00:00:00.000Z');
const HOUR = 3_600_000;
const RANGE = `from=${new Date(DAY0).toISOString()}&to=${new Date(DAY0 + 24 * HOUR).toISOString()}`;

let h: GraphQLHarness;
let server: Server;
let origin: string;
let teamA: { id: string; projectId: string; envId: string };
let teamB: { id: string; projectId: string; envId: string };
let keyA: string;
let keyB: string;
let events: RequestEvent[];

async function makeTeam(name: string) {
  const team = await h.db.prisma.team.create({ data: { orgId: h.orgId, name } });
  const project = await insertProject(h.db.prisma, { orgId: h.orgId, teamId: team.id, name: `${name}-project` });
  return { id: team.id, projectId: project.id, envId: project.environments.find((e) => e.name === 'production')!.id };
}

async function token(role: Role, teamId: string | null): Promise<string> {
  const secret = generateApiToken();
  await insertApiToken(h.db.prisma, { orgId: h.orgId, name: `${role}-${teamId ?? 'org'}`, role, teamId, expiresAt: null, createdByUserId: null, token: secret }, h.keySecret);
  return secret;
}

async function get(path: string, headers: Record<string, string> = { authorization: `Bearer ${h.adminToken}` }) {
  const response = await fetch(`${origin}${path}`, { headers });
  return { status: response.status, headers: response.headers, text: await response.text() };
}

/** Parses our CSV (RFC 4180, CRLF) into rows of cells. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i += 1) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') (cell += '"'), (i += 1);
      else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') row.push(cell), (cell = '');
    else if (c === '\r' && text[i + 1] === '\n') row.push(cell), rows.push(row), (row = []), (cell = ''), (i += 1);
    else cell += c;
  }
  return rows;
}

beforeAll(async () => {
  h = await startGraphQLHarness();
  teamA = await makeTeam('alpha');
  teamB = await makeTeam('beta');
  const key = async (team: typeof teamA, name: string) =>
    (await insertKey(h.db.prisma, { orgId: h.orgId, teamId: team.id, projectId: team.projectId, environmentId: team.envId, name, secret: generateKey() }, h.keySecret)).key.id;
  keyA = await key(teamA, 'alpha-key');
  keyB = await key(teamB, '=cmd|calc');
  const at = (team: typeof teamA, keyId: string, ms: number, extra: Partial<RequestEvent>) =>
    testRequestEvent({ org_id: h.orgId, ts: formatEventTime(ms), team_id: team.id, project_id: team.projectId, environment_id: team.envId, environment: 'production', key_id: keyId, ...extra });
  events = [];
  // 3000 requests of team A over the day (enough rows for several stream chunks), 5 of team B.
  for (let i = 0; i < 3000; i += 1) {
    events.push(at(teamA, keyA, DAY0 + i * 28_000, { alias: i % 2 === 0 ? 'gpt-a' : 'gpt-b', cost_micros: 1_234_567 + i, status_code: i % 100 === 0 ? 502 : 200, error_code: i % 100 === 0 ? 'upstream_error' : '' }));
  }
  for (let i = 0; i < 5; i += 1) {
    events.push(at(teamB, keyB, DAY0 + 5 * HOUR + i, { alias: '=HYPERLINK("http://evil.example","x")', cost_micros: 7 }));
  }
  for (let i = 0; i < events.length; i += 500) await insertRequestEvents(h.clickhouse.inserter, h.clickhouse.database, `csv-${i}`, events.slice(i, i + 500));
  const deps = { prisma: h.db.prisma, clickhouse: h.clickhouse, keySecret: h.keySecret, auth: h.auth, logger: pino({ level: 'silent' }) };
  server = createServer((req, res) => {
    void handleExport(req, res, (req.url ?? '/').split('?')[0]!, deps).then((handled) => {
      if (!handled) res.writeHead(404).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}, 180_000);

afterAll(async () => {
  await new Promise((resolve) => server?.close(resolve));
  await h?.close();
});

describe('issue 10: CSV export', () => {
  it('streams the request log, every row, newest first, with names, chunked', async () => {
    const answer = await get(`/export/requests.csv?${RANGE}`);
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(answer.headers.get('content-disposition')).toMatch(/^attachment; filename="requests-/);
    // Streamed: no length known up front.
    expect(answer.headers.get('transfer-encoding')).toBe('chunked');
    expect(answer.headers.get('content-length')).toBeNull();
    const rows = parseCsv(answer.text);
    expect(rows[0]!.slice(0, 4)).toEqual(['request_id', 'time', 'key_id', 'key_name']);
    expect(rows).toHaveLength(1 + 3005);
    const newest = [...events].sort((a, b) => (a.ts === b.ts ? (a.request_id < b.request_id ? 1 : -1) : a.ts < b.ts ? 1 : -1));
    expect(rows.slice(1).map((r) => r[0])).toEqual(newest.map((e) => e.request_id));
    const first = Object.fromEntries(rows[0]!.map((name, i) => [name, rows[1]![i]]));
    expect(first).toMatchObject({ key_name: 'alpha-key', team_name: 'alpha', project_name: 'alpha-project', cost_micros: String(1_234_567 + 2999), cost: (1_234_567 + 2999) / 1e6 + '' });
  });

  it('filters like the GraphQL request log, and writes formula-like text as text', async () => {
    const errors = parseCsv((await get(`/export/requests.csv?${RANGE}&errorCode=upstream_error&model=gpt-a`)).text);
    expect(errors).toHaveLength(1 + 30);
    const b = parseCsv((await get(`/export/requests.csv?${RANGE}&keyId=${keyB}`)).text);
    expect(b).toHaveLength(1 + 5);
    const header = b[0]!;
    // A spreadsheet would run these: they are prefixed with ' (and quoted where needed).
    expect(b[1]![header.indexOf('model')]).toBe(`'=HYPERLINK("http://evil.example","x")`);
    expect(b[1]![header.indexOf('key_name')]).toBe(`'=cmd|calc`);
    expect(csvCell('-2+3')).toBe("'-2+3");
    expect(csvCell(-5)).toBe('-5');
    expect(csvCell('@SUM(A1)')).toBe("'@SUM(A1)");
    expect(csvCell('a,"b"\n')).toBe('"a,""b""\n"');
  });

  it('exports spend per local day and group, exactly', async () => {
    const answer = await get(`/export/spend.csv?${RANGE}&groupBy=KEY`);
    expect(answer.status).toBe(200);
    const rows = parseCsv(answer.text);
    expect(rows[0]).toEqual(['bucket_start', 'group', 'group_name', 'requests', 'errors', 'prompt_tokens', 'completion_tokens', 'cached_tokens', 'cost_micros', 'cost', 'cost_saved_micros']);
    const costA = events.slice(0, 3000).reduce((s, e) => s + e.cost_micros, 0);
    expect(rows.slice(1).map((r) => [r[0], r[1], r[2], r[3], r[4], r[8], r[9]])).toEqual([
      ['2026-03-02T00:00:00.000Z', keyA, 'alpha-key', '3000', '30', String(costA), (costA / 1e6).toFixed(6)],
      ['2026-03-02T00:00:00.000Z', keyB, "'=cmd|calc", '5', '0', '35', '0.000035'],
    ]);
    const berlin = parseCsv((await get(`/export/spend.csv?${RANGE}&groupBy=MODEL&timeZone=Europe/Berlin&teamId=${teamA.id}`)).text);
    // Berlin's 2 March starts at 1 March 23:00Z; the day's last hour falls on 3 March local.
    expect(berlin.slice(1).map((r) => [r[0], r[1]]).sort()).toEqual([
      ['2026-03-01T23:00:00.000Z', 'gpt-a'],
      ['2026-03-01T23:00:00.000Z', 'gpt-b'],
      ['2026-03-02T23:00:00.000Z', 'gpt-a'],
      ['2026-03-02T23:00:00.000Z', 'gpt-b'],
    ]);
    expect(berlin.slice(1).reduce((s, r) => s + Number(r[3]), 0)).toBe(3000);
  });

  it('authenticates like /graphql: token or session cookie with its CSRF token', async () => {
    expect((await get(`/export/requests.csv?${RANGE}`, {})).status).toBe(401);
    expect((await get(`/export/requests.csv?${RANGE}`, { authorization: 'Bearer relay_not_a_token' })).status).toBe(401);
    const { createUser } = await h.ok<{ createUser: { setupUrl: string } }>(
      'mutation($input: CreateUserInput!) { createUser(input: $input) { setupUrl } }',
      { input: { email: 'analyst@example.com', name: 'analyst', role: 'ANALYST' } },
    );
    const session = await completeSetup(h.origin, createUser.setupUrl, 'correct horse battery staple');
    const noCsrf = await get(`/export/requests.csv?${RANGE}`, { cookie: session.cookie });
    expect(noCsrf.status).toBe(403);
    expect(JSON.parse(noCsrf.text).errors[0].extensions.code).toBe('csrf_token_invalid');
    const withCsrf = await get(`/export/spend.csv?${RANGE}`, { cookie: session.cookie, 'x-csrf-token': session.csrfToken });
    expect(withCsrf.status).toBe(200);
  });

  it('checks the permission and scopes to the teams the caller may see', async () => {
    const viewer = await token('VIEWER', null);
    // VIEWER reads spend, not requests.
    const refused = await get(`/export/requests.csv?${RANGE}`, { authorization: `Bearer ${viewer}` });
    expect(refused.status).toBe(403);
    expect(JSON.parse(refused.text).errors[0].extensions.code).toBe('forbidden');
    expect((await get(`/export/spend.csv?${RANGE}`, { authorization: `Bearer ${viewer}` })).status).toBe(200);
    const betaAnalyst = await token('ANALYST', teamB.id);
    const own = parseCsv((await get(`/export/requests.csv?${RANGE}`, { authorization: `Bearer ${betaAnalyst}` })).text);
    expect(own).toHaveLength(1 + 5);
    const otherTeam = await get(`/export/requests.csv?${RANGE}&keyId=${keyA}`, { authorization: `Bearer ${betaAnalyst}` });
    expect(otherTeam.status).toBe(403);
    const bad = await get(`/export/requests.csv?from=yesterday&to=today`);
    expect([bad.status, JSON.parse(bad.text).errors[0].extensions]).toEqual([400, { code: 'BAD_USER_INPUT', param: 'from' }]);
  });
});
