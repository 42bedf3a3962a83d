import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashKey } from '@proxystacks/shared/keys/key-format';
import { eventually } from './e2e/graphql-client.ts';
import { startLedgerRelay, type LedgerRelay } from './support/ledger-relay.ts';
import { testDatabaseKinds } from './support/test-database.ts';

interface GqlError {
  message: string;
  extensions?: { code?: string; param?: string };
}

const TX_FIELDS = 'id kind idempotencyKey memo requestId actorType entries { accountId amountMicros }';

/**
 * Issue 8, "Balances and the ledger" over GraphQL on a real relay: top-ups, adjustments and
 * credit codes with client idempotency keys and audit entries; balances derived from entries;
 * the ledger filtered and paged; the prepaid flag and new funding accounts reaching the snapshot.
 */
describe.each(testDatabaseKinds())('ledger over GraphQL (%s)', (kind) => {
  let t: LedgerRelay;

  beforeAll(async () => {
    t = await startLedgerRelay(kind);
  }, 180_000);

  afterAll(() => t?.close());

  async function gql<T = Record<string, unknown>>(query: string, variables: Record<string, unknown> = {}): Promise<{ data: T | null; errors?: GqlError[] }> {
    const response = await fetch(`${t.relay.controlplaneUrl}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${t.relay.adminToken}` },
      body: JSON.stringify({ query, variables }),
    });
    return (await response.json()) as { data: T | null; errors?: GqlError[] };
  }

  async function ok<T = Record<string, unknown>>(query: string, variables: Record<string, unknown> = {}): Promise<T> {
    const { data, errors } = await gql<T>(query, variables);
    if (errors?.length) throw new Error(JSON.stringify(errors));
    return data!;
  }

  const topUp = (input: Record<string, unknown>) => gql<{ topUp: { id: string; entries: Array<{ accountId: string; amountMicros: string }> } }>(`mutation($input: BalancePostingInput!) { topUp(input: $input) { ${TX_FIELDS} } }`, { input });
  const adjust = (input: Record<string, unknown>) => gql<{ adjustBalance: { id: string } }>(`mutation($input: BalancePostingInput!) { adjustBalance(input: $input) { ${TX_FIELDS} } }`, { input });

  async function accounts(): Promise<Array<{ id: string; kind: string; scopeId: string | null; balanceMicros: string }>> {
    return (await ok<{ ledgerAccounts: Array<{ id: string; kind: string; scopeId: string | null; balanceMicros: string }> }>('{ ledgerAccounts { id kind scopeId balanceMicros } }')).ledgerAccounts;
  }

  async function balanceOf(kindName: string, scopeId: string | null): Promise<bigint> {
    const account = (await accounts()).find((a) => a.kind === kindName && a.scopeId === scopeId);
    return account === undefined ? 0n : BigInt(account.balanceMicros);
  }

  async function auditCount(action: string): Promise<number> {
    return t.relay.services.db.prisma.auditEntry.count({ where: { action } });
  }

  it('tops up a team account once per idempotency key, audited, and publishes the new funding account', async () => {
    const key = randomUUID();
    const input = { scope: 'TEAM', scopeId: t.demo.teamId, amountMicros: '5000000', memo: 'invoice 42', idempotencyKey: key };
    const first = await topUp(input);
    expect(first.errors).toBeUndefined();
    const posted = first.data!.topUp;
    expect(posted).toMatchObject({ kind: 'TOP_UP', idempotencyKey: `top-up:${key}`, memo: 'invoice 42', requestId: null, actorType: 'TOKEN' });
    expect(posted.entries.map((e) => BigInt(e.amountMicros)).sort()).toEqual([-5_000_000n, 5_000_000n]);
    expect(await balanceOf('TEAM', t.demo.teamId)).toBe(5_000_000n);
    expect(await balanceOf('TOP_UPS', null)).toBe(-5_000_000n);
    expect(await auditCount('topUp')).toBe(1);

    // A retry (lost answer) returns the first posting; nothing is posted or audited twice.
    const retry = await topUp(input);
    expect(retry.data!.topUp.id).toBe(posted.id);
    expect(await balanceOf('TEAM', t.demo.teamId)).toBe(5_000_000n);
    expect(await auditCount('topUp')).toBe(1);

    // The same key for another amount is a mistake, said so, and changes nothing.
    const reused = await topUp({ ...input, amountMicros: '6000000' });
    expect(reused.data).toBeNull();
    expect(reused.errors?.[0]?.extensions).toEqual({ code: 'idempotency_key_reused', param: 'idempotencyKey' });
    expect(await balanceOf('TEAM', t.demo.teamId)).toBe(5_000_000n);

    const account = (await accounts()).find((a) => a.kind === 'TEAM' && a.scopeId === t.demo.teamId)!;
    await eventually(async () => (t.relay.services.publisher.current().fundingAccounts.some((a) => a.id === account.id && a.scope === 'team' && a.scopeId === t.demo.teamId) ? true : undefined), 'the team account in the snapshot');
  });

  it('adjusts by signed amounts and refuses zero, negative top-ups and scopes of nowhere', async () => {
    const before = await balanceOf('TEAM', t.demo.teamId);
    const down = await adjust({ scope: 'TEAM', scopeId: t.demo.teamId, amountMicros: '-1500000', memo: 'refund reversed', idempotencyKey: randomUUID() });
    expect(down.errors).toBeUndefined();
    expect(await balanceOf('TEAM', t.demo.teamId)).toBe(before - 1_500_000n);
    expect(await balanceOf('ADJUSTMENTS', null)).toBe(1_500_000n);
    expect(await auditCount('adjustBalance')).toBe(1);

    expect((await adjust({ scope: 'TEAM', scopeId: t.demo.teamId, amountMicros: '0', idempotencyKey: randomUUID() })).errors?.[0]?.extensions).toEqual({ code: 'BAD_USER_INPUT', param: 'amountMicros' });
    expect((await topUp({ scope: 'TEAM', scopeId: t.demo.teamId, amountMicros: '-1', idempotencyKey: randomUUID() })).errors?.[0]?.extensions).toEqual({ code: 'BAD_USER_INPUT', param: 'amountMicros' });
    expect((await topUp({ scope: 'PROJECT', scopeId: randomUUID(), amountMicros: '1', idempotencyKey: randomUUID() })).errors?.[0]?.extensions).toEqual({ code: 'NOT_FOUND', param: 'scopeId' });
    expect((await topUp({ scope: 'ORGANIZATION', scopeId: randomUUID(), amountMicros: '1', idempotencyKey: randomUUID() })).errors?.[0]?.extensions).toEqual({ code: 'NOT_FOUND', param: 'scopeId' });
    expect(await balanceOf('TEAM', t.demo.teamId)).toBe(before - 1_500_000n);
  });

  it('mints a credit code shown once (only its HMAC stored) and redeems it once', async () => {
    const created = await ok<{ createCreditCode: { code: string; creditCode: { id: string; prefix: string; amountMicros: string } } }>(
      'mutation { createCreditCode(input: { amountMicros: "2000000" }) { code creditCode { id prefix amountMicros } } }',
    );
    const { code, creditCode } = created.createCreditCode;
    expect(code).toMatch(/^relay-credit-[0-9A-Za-z]{32}$/);
    expect(code.startsWith(creditCode.prefix)).toBe(true);
    const row = await t.relay.services.db.prisma.creditCode.findUniqueOrThrow({ where: { id: creditCode.id } });
    expect(row.codeHash).toBe(hashKey(code, t.keySecret));
    // The code itself is nowhere in the database: not in the row, not in the audit trail.
    const dump = await t.relay.services.db.query<{ text: string }>(`SELECT string_agg(t::text, ' ') AS text FROM (SELECT * FROM credit_code) t UNION ALL SELECT string_agg(a::text, ' ') FROM audit_entry a`);
    expect(dump.map((r) => r.text ?? '').join(' ')).not.toContain(code);

    const redeem = (scope: string, scopeId: string, value = code) =>
      gql<{ redeemCreditCode: { id: string; kind: string } }>(`mutation($input: RedeemCreditCodeInput!) { redeemCreditCode(input: $input) { ${TX_FIELDS} } }`, { input: { code: value, scope, scopeId } });
    const first = await redeem('PROJECT', t.demo.projectId);
    expect(first.errors).toBeUndefined();
    expect(first.data!.redeemCreditCode).toMatchObject({ kind: 'CREDIT_REDEMPTION', idempotencyKey: `credit-code:${creditCode.id}` });
    expect(await balanceOf('PROJECT', t.demo.projectId)).toBe(2_000_000n);
    expect(await balanceOf('CREDIT_CODES', null)).toBe(-2_000_000n);
    // The same redemption again answers the same posting; elsewhere it is refused.
    expect((await redeem('PROJECT', t.demo.projectId)).data!.redeemCreditCode.id).toBe(first.data!.redeemCreditCode.id);
    expect((await redeem('TEAM', t.demo.teamId)).errors?.[0]?.extensions).toEqual({ code: 'BAD_USER_INPUT', param: 'code' });
    expect((await redeem('TEAM', t.demo.teamId, 'relay-credit-unknown')).errors?.[0]?.extensions).toEqual({ code: 'NOT_FOUND', param: 'code' });
    expect(await balanceOf('PROJECT', t.demo.projectId)).toBe(2_000_000n);
    expect(await auditCount('createCreditCode')).toBe(1);
    expect(await auditCount('redeemCreditCode')).toBe(2);

    // An expired code is refused.
    const expired = await ok<{ createCreditCode: { code: string; creditCode: { id: string } } }>('mutation($at: DateTime!) { createCreditCode(input: { amountMicros: "1", expiresAt: $at }) { code creditCode { id } } }', { at: new Date(Date.now() + 60_000).toISOString() });
    await t.relay.services.db.prisma.creditCode.update({ where: { id: expired.createCreditCode.creditCode.id }, data: { expiresAt: new Date(Date.now() - 1_000) } });
    expect((await redeem('TEAM', t.demo.teamId, expired.createCreditCode.code)).errors?.[0]).toMatchObject({ message: 'This credit code has expired.', extensions: { code: 'BAD_USER_INPUT' } });
  });

  it('derives balances from entries: the API balance is the sum of the account’s entries', async () => {
    for (const account of await accounts()) {
      const [row] = await t.relay.services.db.query<{ sum: string | null }>('SELECT sum(amount_micros)::text AS sum FROM ledger_entry WHERE account_id = $1', [account.id]);
      expect(BigInt(account.balanceMicros)).toBe(BigInt(row?.sum ?? '0'));
    }
    const columns = await t.relay.services.db.query<{ column_name: string }>(`SELECT column_name FROM information_schema.columns WHERE table_name = 'ledger_account'`);
    expect(columns.map((c) => c.column_name).filter((c) => /balance/.test(c))).toEqual([]);
  });

  it('filters the ledger by kind, scope, account, request and time, and pages it with cursors', async () => {
    const requestId = await t.chat();
    await eventually(async () => ((await t.relay.services.db.prisma.ledgerTransaction.count({ where: { requestId } })) === 1 ? true : undefined), 'the request posting');
    const list = async (filter: Record<string, unknown>, first?: number, after?: string) =>
      (
        await ok<{ ledgerTransactions: { transactions: Array<{ id: string; kind: string; requestId: string | null }>; nextCursor: string | null } }>(
          `query($filter: LedgerTransactionFilter, $first: Int, $after: String) { ledgerTransactions(filter: $filter, first: $first, after: $after) { transactions { ${TX_FIELDS} } nextCursor } }`,
          { filter, first, after },
        )
      ).ledgerTransactions;
    expect((await list({ kind: 'TOP_UP' })).transactions.map((x) => x.kind)).toEqual(['TOP_UP']);
    expect((await list({ kind: 'CREDIT_REDEMPTION' })).transactions).toHaveLength(1);
    expect((await list({ requestId })).transactions).toMatchObject([{ kind: 'REQUEST', requestId }]);
    // The demo project has a PROJECT account now (the credit code): the request drew on it.
    const projectTx = (await list({ scope: 'PROJECT', scopeId: t.demo.projectId })).transactions;
    expect(projectTx.map((x) => x.kind).sort()).toEqual(['CREDIT_REDEMPTION', 'REQUEST']);
    const teamAccount = (await accounts()).find((a) => a.kind === 'TEAM')!;
    expect((await list({ accountId: teamAccount.id })).transactions.map((x) => x.kind).sort()).toEqual(['ADJUSTMENT', 'TOP_UP']);
    expect((await list({ from: new Date(Date.now() + 3_600_000).toISOString() })).transactions).toEqual([]);
    expect((await list({ to: '2000-01-01T00:00:00Z' })).transactions).toEqual([]);

    const all = (await list({})).transactions.map((x) => x.id);
    const walked: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await list({}, 2, cursor);
      walked.push(...page.transactions.map((x) => x.id));
      cursor = page.nextCursor ?? undefined;
    } while (cursor !== undefined);
    expect(walked).toEqual(all);
    expect(new Set(walked).size).toBe(walked.length);
    expect((await gql('{ ledgerTransactions(after: "nope") { nextCursor } }')).errors?.[0]?.extensions).toEqual({ code: 'BAD_USER_INPUT', param: 'after' });
  });

  it('switches the organisation to prepaid, audited, and the snapshot carries the flag', async () => {
    expect((await ok<{ setBillingMode: string }>('mutation { setBillingMode(mode: PREPAID) }')).setBillingMode).toBe('PREPAID');
    await eventually(async () => (t.relay.services.publisher.current().organizations.find((o) => o.id === t.demo.orgId)?.billingMode === 'prepaid' ? true : undefined), 'prepaid in the snapshot');
    const entry = await t.relay.services.db.prisma.auditEntry.findFirstOrThrow({ where: { action: 'setBillingMode' } });
    expect(entry).toMatchObject({ objectType: 'Organization', objectId: t.demo.orgId, before: { billingMode: 'POSTPAID' }, after: { billingMode: 'PREPAID' } });
    // The console reads the mode back from the organisation.
    expect((await ok<{ organization: { billingMode: string } }>('{ organization { billingMode } }')).organization.billingMode).toBe('PREPAID');
    expect((await ok<{ setBillingMode: string }>('mutation { setBillingMode(mode: POSTPAID) }')).setBillingMode).toBe('POSTPAID');
    await eventually(async () => (t.relay.services.publisher.current().organizations.find((o) => o.id === t.demo.orgId)?.billingMode === 'postpaid' ? true : undefined), 'postpaid in the snapshot');
  });
});
