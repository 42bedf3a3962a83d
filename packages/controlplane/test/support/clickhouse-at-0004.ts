import { ROLLUP_CACHE_HITS, ROLLUPS_0004, ROLLUPS_0007, rollupViewDDL, rollupViewName } from '@proxystacks/shared/events/request-rollups-ddl';
import type { ClickHouse } from '../../src/analytics/clickhouse.ts';

/**
 * Takes a migrated analytics store back to an install at migration 0004 (from before issue 9), so
 * a test can replay what came after: 0004's rollups without cache_hits, fed by 0004's views; none
 * of 0007's rollups (their views read 0005's columns); `eventColumns` dropped from request_events;
 * `migrations` unrecorded, so the next migrateClickHouse applies them again, in order.
 */
export async function backToInstallAt0004(ch: ClickHouse, eventColumns: readonly string[], migrations: readonly string[]): Promise<void> {
  const command = (query: string) => ch.client.command({ query });
  for (const rollup of ROLLUPS_0007) {
    await command(`DROP VIEW ${ch.database}.${rollupViewName(rollup)}`);
    await command(`DROP TABLE ${ch.database}.${rollup.table}`);
  }
  for (const rollup of ROLLUPS_0004) {
    await command(`DROP VIEW ${ch.database}.${rollupViewName(rollup)}`);
    await command(rollupViewDDL(ch.database, rollup, '0004'));
    await command(`ALTER TABLE ${ch.database}.${rollup.table} DROP COLUMN ${ROLLUP_CACHE_HITS.name}`);
  }
  for (const column of eventColumns) await command(`ALTER TABLE ${ch.database}.request_events DROP COLUMN ${column}`);
  await command(`DELETE FROM ${ch.database}._relay_migrations WHERE name IN (${migrations.map((name) => `'${name}'`).join(', ')})`);
}
