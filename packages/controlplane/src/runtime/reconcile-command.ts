import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { formatMicrosAsDollars } from '../ledger/format-micros.ts';
import { createClickHouse } from '../analytics/clickhouse.ts';
import { assertQueryRange } from '../analytics/query-range.ts';
import { loadReconcileCommandConfig } from '../config.ts';
import { createDatabase } from '../db/client.ts';
import { migrateDatabase } from '../db/migrate.ts';
import { reconcileLedger, type ReconcilePeriod, type ReconcileReport, type ReconcileScope } from '../ledger/reconcile.ts';
import { createLogger } from './logger.ts';

/** `relay reconcile` usage, printed on a bad argument. */
export const RECONCILE_USAGE = `Usage: pnpm relay reconcile [--from <ISO time>] [--to <ISO time>] [--period hour|day] [--scope organization|team|project|key]
  Compares the ledger's request debits with ClickHouse's cost per period (local hours or days in each
  organisation's time zone) and scope, for every organisation; default: the last 24 hours, by hour and organisation. Exit code 0: no difference; 1: differences listed.`;

const PERIODS = ['hour', 'day'] as const;
const SCOPES = ['organization', 'team', 'project', 'key'] as const;

/**
 * `relay reconcile`: opens Postgres (or PGlite) and ClickHouse (or chDB) like `relay migrate`,
 * compares them (ledger/reconcile.ts) and returns the lines to print and how many differences
 * there are. The embedded stores are locked by a running `relay start`: stop it first, or ask a
 * running control plane with the `ledgerReconciliation` GraphQL query.
 */
export async function runReconcileCommand(env: Record<string, string | undefined>, args: readonly string[], now = new Date()): Promise<{ lines: string[]; differences: number }> {
  const query = parseReconcileArgs(args, now);
  const config = loadReconcileCommandConfig(env);
  const logger = createLogger(config.logLevel, 'relay-reconcile');
  const db = await createDatabase({ databaseUrl: config.databaseUrl, pglitePath: join(config.dataDir, 'pglite') });
  try {
    await migrateDatabase(db, logger);
    const clickhouse = await createClickHouse({ url: config.clickhouseUrl, chdbPath: join(config.dataDir, 'chdb'), database: config.clickhouseDatabase });
    try {
      const report = await reconcileLedger(db.prisma, clickhouse, { orgId: null, ...query });
      return { lines: formatReport(report), differences: report.differences.length };
    } finally {
      await clickhouse.close();
    }
  } finally {
    await db.close();
  }
}

function parseReconcileArgs(args: readonly string[], now: Date): { from: Date; to: Date; period: ReconcilePeriod; scope: ReconcileScope } {
  const { values } = parseArgs({
    args: [...args],
    options: { from: { type: 'string' }, to: { type: 'string' }, period: { type: 'string', default: 'hour' }, scope: { type: 'string', default: 'organization' } },
    strict: true,
    allowPositionals: false,
  });
  const time = (value: string | undefined, fallback: Date, name: string): Date => {
    if (value === undefined) return fallback;
    const parsed = new Date(value);
    if (Number.isNaN(parsed.getTime())) throw new Error(`--${name} must be an ISO time, got ${JSON.stringify(value)}\n${RECONCILE_USAGE}`);
    return parsed;
  };
  const to = time(values.to, now, 'to');
  const from = time(values.from, new Date(to.getTime() - 86_400_000), 'from');
  if (!(PERIODS as readonly string[]).includes(values.period)) throw new Error(`--period must be hour or day\n${RECONCILE_USAGE}`);
  if (!(SCOPES as readonly string[]).includes(values.scope)) throw new Error(`--scope must be organization, team, project or key\n${RECONCILE_USAGE}`);
  try {
    assertQueryRange(from, to);
  } catch (err) {
    throw new Error(`${(err as Error).message}\n${RECONCILE_USAGE}`);
  }
  return { from, to, period: values.period.toUpperCase() as ReconcilePeriod, scope: values.scope.toUpperCase() as ReconcileScope };
}

function formatReport(report: ReconcileReport): string[] {
  const head = `Ledger ${formatMicrosAsDollars(report.ledgerMicros)} vs ClickHouse ${formatMicrosAsDollars(report.clickhouseMicros)} over [${report.from.toISOString()}, ${report.to.toISOString()}) by ${report.period.toLowerCase()} and ${report.scope.toLowerCase()}: ${report.cellsCompared} cells compared, ${report.differences.length} differ.`;
  const ids = (label: string, list: string[] | null) => (list === null ? ` ${label}: too many to list` : list.length === 0 ? '' : ` ${label}: ${list.join(',')}`);
  return [
    head,
    ...report.differences.map(
      (d) =>
        `DIFF ${d.bucketStart.toISOString()} org ${d.orgId} ${report.scope.toLowerCase()} ${d.scopeId === '' ? '-' : d.scopeId}: ledger ${d.ledgerMicros} µ$ clickhouse ${d.clickhouseMicros} µ$` +
        ids('only in ledger', d.requestIdsOnlyInLedger) +
        ids('only in ClickHouse', d.requestIdsOnlyInClickhouse) +
        ids('other amounts', d.requestIdsWithOtherAmounts),
    ),
  ];
}
