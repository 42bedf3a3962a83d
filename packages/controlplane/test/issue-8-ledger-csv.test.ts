import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postRequestCharges } from '../src/ledger/request-postings.ts';
import { LEDGER_CSV_COLUMNS } from '../src/ledger/ledger-csv.ts';
import { createGraphQLClient, eventually } from './e2e/graphql-client.ts';
import { completeSetup } from './support/console-session.ts';
import { startLedgerRelay, type LedgerRelay } from './support/ledger-relay.ts';
import { testDatabaseKinds } from './support/test-database.ts';

/** RFC 4180: quoted cells, doubled quotes, CRLF records. Enough to read back what the export wrote. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') (cell += '"'), i++;
      else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') row.push(cell), (cell = '');
    else if (c === '\r' && text[i + 1] === '\n') row.push(cell), rows.push(row), (row = []), (cell = ''), i++;
    else cell += c;
  }
  return rows;
}

/** The export as records keyed by column. */
function records(text: string): Array<Record<(typeof LEDGER_CSV_COLUMNS)[number], string>> {
  const [header, ...rows] = parseCsv(text);
  expect(header).toEqual([...LEDGER_CSV_COLUMNS]);
  return rows.map((cells) => Object.fromEntries(header!.map((name, i) => [name, cells[i]!])) as Record<(typeof LEDGER_CSV_COLUMNS)[number], string>);
}

/**
 * Issue 8, "CSV export of the ledger": GET /export/ledger.csv on the real control plane,
 * authenticated like /graphql (API token, or session cookie plus CSRF token), scoped like the
 * ledger query, streamed across pages, and safe to open in a spreadsheet.
 */
describe.each(testDatabaseKinds())('ledger CSV export (%s)', (kind) => {
  let t: LedgerRelay;
  let graphql: ReturnType<typeof createGraphQLClient>;
  const MEMO = '=HYPERLINK("http://evil.example","click"), then\na new line';

  beforeAll(async () => {
    t = await startLedgerRelay(kind);
    graphql = createGraphQLClient(`${t.relay.controlplaneUrl}/graphql`, t.relay.adminToken);
  }, 180_000);

  afterAll(() => t?.close());

  /**
   * GET the export. The control plane runs in this process, and PGlite work (1,200 postings) can
   * hold its event loop past the server's 5 s keep-alive: the pooled socket may then be closed
   * just as fetch reuses it (ECONNRESET before any answer). Such a request never reached the
   * handler, so it is sent once more.
   */
  const exportCsv = async (query = '', headers: Record<string, string> = { authorization: `Bearer ${t.relay.adminToken}` }): Promise<Response> => {
    const url = `${t.relay.controlplaneUrl}/export/ledger.csv${query}`;
    return fetch(url, { headers }).catch((err: Error & { cause?: { code?: string } }) => {
      if (err.cause?.code !== 'ECONNRESET') throw err;
      return fetch(url, { headers });
    });
  };

  it('exports every entry with its trace, amounts as micros and dollars, formulas defused', async () => {
    const requestId = await t.chat();
    await eventually(async () => ((await t.relay.services.db.prisma.ledgerTransaction.count({ where: { requestId } })) === 1 ? true : undefined), 'the request posting');
    await graphql('mutation($input: BalancePostingInput!) { topUp(input: $input) { id } }', { input: { scope: 'PROJECT', scopeId: t.demo.projectId, amountMicros: '5000000', memo: MEMO, idempotencyKey: randomUUID() } });

    const response = await exportCsv();
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(response.headers.get('content-disposition')).toBe('attachment; filename="ledger.csv"');
    const rows = records(await response.text());

    const topUp = rows.filter((r) => r.kind === 'TOP_UP');
    expect(topUp.map((r) => [r.account_kind, r.amount_micros, r.amount_dollars]).sort()).toEqual([
      ['PROJECT', '5000000', '5.000000'],
      ['TOP_UPS', '-5000000', '-5.000000'],
    ]);
    // The memo is text, never a formula: quoted, its quotes doubled, its line break kept, a quote mark in front.
    expect(topUp[0]!.memo).toBe(`'${MEMO}`);
    expect(topUp.find((r) => r.account_kind === 'PROJECT')!.account_scope_id).toBe(t.demo.projectId);

    const request = rows.filter((r) => r.request_id === requestId);
    expect(request).toHaveLength(2);
    const debit = request.find((r) => r.amount_micros.startsWith('-'))!;
    expect(debit).toMatchObject({ kind: 'REQUEST', idempotency_key: `request:${requestId}`, team_id: t.demo.teamId, project_id: t.demo.projectId, environment_id: t.demo.environmentId, key_id: t.demo.keyId, account_kind: 'ORGANIZATION', account_scope_id: t.demo.orgId });
    expect(debit.pricing_rule_id).not.toBe('');
    expect(Number(debit.pricing_rule_version)).toBeGreaterThan(0);
    expect(BigInt(debit.amount_micros) + BigInt(request.find((r) => r !== debit)!.amount_micros)).toBe(0n);
  });

  it('filters by account and time, and streams a ledger larger than one page', async () => {
    const events = Array.from({ length: 1_200 }, () => t.pricedEvent({ cost_micros: 3 }));
    await postRequestCharges(t.relay.services.db.prisma, events, { warn: () => undefined });
    const all = records(await (await exportCsv()).text());
    expect(new Set(all.map((r) => r.transaction_id)).size).toBeGreaterThanOrEqual(1_200);
    for (const event of events.slice(0, 5)) expect(all.filter((r) => r.request_id === event.request_id)).toHaveLength(2);

    const project = (await t.relay.services.db.prisma.ledgerAccount.findFirstOrThrow({ where: { kind: 'PROJECT', scopeId: t.demo.projectId } })).id;
    const forProject = records(await (await exportCsv(`?account=${project}`)).text());
    expect(new Set(forProject.map((r) => r.transaction_id)).size).toBe(1_201);
    expect(forProject.every((r) => r.kind === 'TOP_UP' || r.kind === 'REQUEST')).toBe(true);
    expect(records(await (await exportCsv('?from=2000-01-01T00:00:00Z&to=2000-01-02T00:00:00Z')).text())).toEqual([]);
    const bad = await exportCsv('?from=yesterday');
    expect(bad.status).toBe(400);
    expect(await bad.json()).toEqual({ errors: [{ message: '`from` must be an ISO-8601 instant.', extensions: { code: 'BAD_USER_INPUT', param: 'from' } }] });
  });

  it('is authenticated like /graphql: token, or session cookie with its CSRF token', async () => {
    expect((await exportCsv('', {})).status).toBe(401);
    expect((await exportCsv('', { authorization: 'Bearer relay-tok-wrong' })).status).toBe(401);
    const session = await completeSetup(t.relay.controlplaneUrl, t.relay.ownerSetup!.setupUrl, 'correct horse battery staple');
    const noCsrf = await exportCsv('', { cookie: session.cookie });
    expect(noCsrf.status).toBe(403);
    expect(((await noCsrf.json()) as { errors: Array<{ extensions: { code: string } }> }).errors[0]!.extensions.code).toBe('csrf_token_invalid');
    const withCsrf = await exportCsv('', { cookie: session.cookie, 'x-csrf-token': session.csrfToken });
    expect(withCsrf.status).toBe(200);
    expect(records(await withCsrf.text()).length).toBeGreaterThan(0);
    expect((await fetch(`${t.relay.controlplaneUrl}/export/ledger.csv`, { method: 'POST', headers: { authorization: `Bearer ${t.relay.adminToken}` } })).status).toBe(405);
  });

  it('shows a team-scoped reader only the accounts of their team and its projects', async () => {
    const other = await graphql<{ createTeam: { id: string } }>('mutation { createTeam(input: { name: "Other team" }) { id } }');
    await graphql('mutation($input: BalancePostingInput!) { topUp(input: $input) { id } }', { input: { scope: 'TEAM', scopeId: other.createTeam.id, amountMicros: '42', idempotencyKey: randomUUID() } });
    const { createApiToken } = await graphql<{ createApiToken: { token: string } }>('mutation($teamId: ID!) { createApiToken(input: { name: "team reader", role: VIEWER, teamId: $teamId }) { token } }', { teamId: t.demo.teamId });
    const rows = records(await (await exportCsv('', { authorization: `Bearer ${createApiToken.token}` })).text());
    const visible = new Set(rows.map((r) => r.transaction_id));
    expect(visible.size).toBeGreaterThan(0);
    // Only transactions touching the demo team's project account (the top-up and the requests it funded); never the other team's.
    expect(rows.filter((r) => r.amount_micros === '42')).toEqual([]);
    expect(rows.some((r) => r.account_kind === 'PROJECT' && r.account_scope_id === t.demo.projectId)).toBe(true);
    // Counter-account entries of visible transactions are shown with their kind but the org-level accounts stay unlisted.
    expect(rows.filter((r) => r.account_kind === 'TEAM')).toEqual([]);
  });
});
