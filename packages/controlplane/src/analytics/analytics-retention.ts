import type { Logger } from 'pino';
import { retentionTTL, type AnalyticsRetentionDays } from '@proxystacks/shared/events/request-rollups-ddl';
import { localName, toClusterStatements } from '@proxystacks/shared/events/cluster-ddl';
import type { ClickHouse } from './clickhouse.ts';

/** Keep everything: the retention of a control plane that sets none (and of tests). */
export const KEEP_FOREVER: AnalyticsRetentionDays = { rawEvents: 0, minuteRollup: 0, hourRollup: 0 };

/**
 * Makes each analytics table's TTL match `retention` (ANALYTICS_*_TTL_DAYS): MODIFY TTL where it
 * differs, REMOVE TTL where the setting is 0. Run at every start after the migrations, so a
 * changed setting takes effect on restart; a table already right is left alone (MODIFY TTL
 * re-reads every part). Expired rows go when ClickHouse merges or drops parts, not at once.
 * @returns the tables changed.
 */
export async function applyAnalyticsRetention(ch: ClickHouse, retention: AnalyticsRetentionDays, logger: Pick<Logger, 'info'>): Promise<string[]> {
  const wanted = retentionTTL(retention);
  // On a cluster the TTL lives on each node's local table (the Distributed one has no parts).
  const stored = (table: string) => (ch.cluster === null ? table : localName(table));
  const current = await currentTTLs(ch, Object.keys(wanted).map(stored));
  const changed: string[] = [];
  for (const [table, ttl] of Object.entries(wanted)) {
    const now = current.get(stored(table)) ?? null;
    if (now === ttl) continue;
    if (ttl === null && now === null) continue;
    const query = ttl === null ? `ALTER TABLE ${ch.database}.${table} REMOVE TTL` : `ALTER TABLE ${ch.database}.${table} MODIFY TTL ${ttl}`;
    for (const statement of ch.cluster === null ? [query] : toClusterStatements(query, ch.database, ch.cluster)) await ch.client.command({ query: statement });
    logger.info({ table, ttl: ttl ?? 'none' }, 'analytics retention changed');
    changed.push(table);
  }
  return changed;
}

/** The TTL expression of each of `tables` as ClickHouse prints it in engine_full (null: none). */
async function currentTTLs(ch: ClickHouse, tables: string[]): Promise<Map<string, string | null>> {
  const result = await ch.client.query({
    query: 'SELECT name, engine_full FROM system.tables WHERE database = {db:String} AND name IN {tables:Array(String)}',
    query_params: { db: ch.database, tables },
    format: 'JSONEachRow',
  });
  const out = new Map<string, string | null>();
  for (const row of await result.json<{ name: string; engine_full: string }>()) {
    // engine_full: `… ORDER BY … TTL <expr> SETTINGS …`
    const match = / TTL (.+?)(?: SETTINGS |$)/.exec(row.engine_full);
    out.set(row.name, match?.[1]?.trim() ?? null);
  }
  return out;
}
