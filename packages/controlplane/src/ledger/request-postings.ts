import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { RequestEvent } from '@proxystacks/shared/events/request-event';
import { parseEventTime } from '@proxystacks/shared/events/request-events-ddl';
import type { LedgerAccount, Prisma, PrismaClient } from '../generated/prisma/client.ts';
import { bumpConfigRevision } from '../domain/config-revision.ts';
import { isUuid } from '../domain/input-schemas.ts';
import { inTransaction } from '../domain/transaction.ts';
import { ensureAccount } from './accounts.ts';
import { checkBalancedNow } from './post-transaction.ts';

/** Events handled per statement: bounds each statement's JSON parameter and the time it holds the database. */
const CHUNK_EVENTS = 1_000;

/** What one batch did to the ledger. */
export interface RequestChargeResult {
  /** Requests debited now. */
  posted: number;
  /** Requests already in the ledger (a retried batch, a replayed event log): nothing posted. */
  replayed: number;
  /** Priced events that name no organisation of this database: logged, never posted. */
  unknownOrg: number;
}

/** The idempotency key of a request's posting: a request is debited once, whatever batch brings it. */
export function requestPostingKey(requestId: string): string {
  return `request:${requestId}`;
}

/**
 * Debits every priced request of a batch (cost_micros > 0; a free request posts nothing) to its
 * funding account and credits the organisation's PROVIDER_SPEND account, in one database
 * transaction: the batch is in the ledger entirely or not at all, so a failure is answered
 * "retry" and the retry finds nothing half-done. Idempotent by `request:<request_id>`: requests
 * already posted (a retried batch, a data plane replaying its event log after a restart, the
 * same request in two batches) are skipped, found first in one indexed read and, against a
 * concurrent poster, by INSERT … ON CONFLICT DO NOTHING.
 *
 * The funding account is the request's project's PROJECT account if one exists, else its
 * team's TEAM account, else the organisation's ORGANIZATION account, which is created on first
 * need (and the config revision bumped, so data planes see the new funding account).
 */
export async function postRequestCharges(
  prisma: PrismaClient,
  events: readonly RequestEvent[],
  logger: Pick<Logger, 'warn'>,
): Promise<RequestChargeResult> {
  const byRequest = new Map<string, RequestEvent>();
  for (const event of events) if (event.cost_micros > 0 && !byRequest.has(event.request_id)) byRequest.set(event.request_id, event);
  const result: RequestChargeResult = { posted: 0, replayed: 0, unknownOrg: 0 };
  if (byRequest.size === 0) return result;
  const charged = [...byRequest.values()];
  await inTransaction(prisma, async (tx) => {
    for (let start = 0; start < charged.length; start += CHUNK_EVENTS) {
      const chunk = await postChunk(tx, charged.slice(start, start + CHUNK_EVENTS));
      result.posted += chunk.posted;
      result.replayed += chunk.replayed;
      result.unknownOrg += chunk.unknownOrg;
    }
  });
  if (result.unknownOrg > 0) logger.warn({ events: result.unknownOrg }, 'priced request events of an unknown organisation were not posted to the ledger');
  return result;
}

/** A ledger_transaction row as the chunk's JSON parameter carries it (json_to_recordset's column names). */
interface TransactionRow {
  id: string;
  org_id: string;
  key: string;
  occurred_at: string;
  request_id: string;
  rule_id: string | null;
  rule_version: number | null;
  team_id: string;
  project_id: string;
  environment_id: string;
  key_id: string;
}

/** A ledger_entry row as the chunk's JSON parameter carries it; the amount as a decimal string (bigint). */
interface EntryRow {
  transaction_id: string;
  account_id: string;
  amount_micros: string;
  occurred_at: string;
}

async function postChunk(tx: Prisma.TransactionClient, events: readonly RequestEvent[]): Promise<RequestChargeResult> {
  const keys = events.map((e) => requestPostingKey(e.request_id));
  const posted = new Set(
    (await tx.$queryRawUnsafe<Array<{ key: string }>>('SELECT idempotency_key AS key FROM ledger_transaction WHERE idempotency_key = ANY($1::text[])', keys)).map((row) => row.key),
  );
  const fresh = events.filter((_, i) => !posted.has(keys[i]!));
  const orgIds = [...new Set(fresh.map((e) => e.org_id).filter(isUuid))];
  const knownOrgs = new Set((await tx.organization.findMany({ where: { id: { in: orgIds } }, select: { id: true } })).map((o) => o.id));
  const postable = fresh.filter((e) => knownOrgs.has(e.org_id));
  const result = { posted: 0, replayed: events.length - fresh.length, unknownOrg: fresh.length - postable.length };
  if (postable.length === 0) return result;

  const accounts = await loadAccounts(tx, postable);
  const rows: TransactionRow[] = [];
  const entriesById = new Map<string, { funding: string; spend: string; cost: number }>();
  for (const event of postable) {
    const id = randomUUID();
    const funding = await accounts.funding(event);
    const spend = await accounts.providerSpend(event.org_id);
    entriesById.set(id, { funding: funding.id, spend: spend.id, cost: event.cost_micros });
    const priced = event.pricing_rule_id !== '';
    rows.push({
      id,
      org_id: event.org_id,
      key: requestPostingKey(event.request_id),
      occurred_at: parseEventTime(event.ts).toISOString(),
      request_id: event.request_id,
      rule_id: priced ? event.pricing_rule_id : null,
      rule_version: priced ? event.pricing_rule_version : null,
      team_id: event.team_id,
      project_id: event.project_id,
      environment_id: event.environment_id,
      key_id: event.key_id,
    });
  }
  // One statement per table, the rows as one JSON parameter that Postgres unpacks
  // (json_to_recordset): a chunk is one bind value whatever its size, serialised natively, where
  // a column array per parameter had Prisma and the driver walk and escape every element. On
  // Postgres, 10,000 priced events, interleaved: 23.4-26.0 -> 19.1-20.8 µs of the control plane's
  // CPU per event (building the test events included). A concurrent poster may have taken some
  // keys since the read above: ON CONFLICT skips those, and only rows inserted here get entries.
  const inserted = await tx.$queryRawUnsafe<Array<{ id: string; occurred_at: string }>>(
    `INSERT INTO ledger_transaction (id, org_id, idempotency_key, kind, occurred_at, request_id, pricing_rule_id, pricing_rule_version, team_id, project_id, environment_id, key_id)
     SELECT t.id, t.org_id, t.key, 'REQUEST', t.occurred_at, t.request_id, t.rule_id, t.rule_version, t.team_id, t.project_id, t.environment_id, t.key_id
     FROM json_to_recordset($1::json)
       AS t(id uuid, org_id uuid, key text, occurred_at timestamptz, request_id text, rule_id text, rule_version int, team_id text, project_id text, environment_id text, key_id text)
     ON CONFLICT DO NOTHING
     RETURNING id::text AS id, occurred_at::text AS occurred_at`,
    JSON.stringify(rows),
  );
  const entries: EntryRow[] = [];
  for (const t of inserted) {
    const { funding, spend, cost } = entriesById.get(t.id)!;
    // Debit the funding account, credit provider spend: the transaction sums to zero.
    entries.push({ transaction_id: t.id, account_id: funding, amount_micros: String(-cost), occurred_at: t.occurred_at });
    entries.push({ transaction_id: t.id, account_id: spend, amount_micros: String(cost), occurred_at: t.occurred_at });
  }
  if (entries.length > 0) {
    await tx.$executeRawUnsafe(
      `INSERT INTO ledger_entry (transaction_id, account_id, amount_micros, occurred_at)
       SELECT e.transaction_id, e.account_id, e.amount_micros, e.occurred_at
       FROM json_to_recordset($1::json) AS e(transaction_id uuid, account_id uuid, amount_micros bigint, occurred_at timestamptz)`,
      JSON.stringify(entries),
    );
  }
  await checkBalancedNow(tx);
  if (accounts.createdCustomerAccount()) await bumpConfigRevision(tx);
  result.posted = inserted.length;
  result.replayed += postable.length - inserted.length;
  return result;
}

/**
 * The accounts a chunk posts to: existing customer accounts of its projects, teams and
 * organisations read in one query; the organisation and PROVIDER_SPEND accounts created on first need.
 */
async function loadAccounts(tx: Prisma.TransactionClient, events: readonly RequestEvent[]) {
  const orgIds = [...new Set(events.map((e) => e.org_id))];
  const rows = await tx.ledgerAccount.findMany({
    where: {
      orgId: { in: orgIds },
      OR: [
        { kind: { in: ['ORGANIZATION', 'PROVIDER_SPEND'] } },
        { kind: 'TEAM', scopeId: { in: [...new Set(events.map((e) => e.team_id).filter((id) => id !== ''))] } },
        { kind: 'PROJECT', scopeId: { in: [...new Set(events.map((e) => e.project_id).filter((id) => id !== ''))] } },
      ],
    },
  });
  const byKey = new Map<string, LedgerAccount>(rows.map((a) => [`${a.orgId}/${a.kind}/${a.scopeId}`, a]));
  let created = false;
  const orgAccount = async (orgId: string, kind: 'ORGANIZATION' | 'PROVIDER_SPEND'): Promise<LedgerAccount> => {
    const key = `${orgId}/${kind}/`;
    const known = byKey.get(key);
    if (known) return known;
    const ensured = await ensureAccount(tx, orgId, kind, '');
    if (ensured.created && kind === 'ORGANIZATION') created = true;
    byKey.set(key, ensured.account);
    return ensured.account;
  };
  return {
    funding: async (event: RequestEvent): Promise<LedgerAccount> =>
      (event.project_id === '' ? undefined : byKey.get(`${event.org_id}/PROJECT/${event.project_id}`)) ??
      (event.team_id === '' ? undefined : byKey.get(`${event.org_id}/TEAM/${event.team_id}`)) ??
      (await orgAccount(event.org_id, 'ORGANIZATION')),
    providerSpend: (orgId: string) => orgAccount(orgId, 'PROVIDER_SPEND'),
    createdCustomerAccount: () => created,
  };
}
