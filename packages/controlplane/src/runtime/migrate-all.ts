import { join } from 'node:path';
import { applyAnalyticsRetention } from '../analytics/analytics-retention.ts';
import { createClickHouse, migrateClickHouse } from '../analytics/clickhouse.ts';
import { loadControlplaneConfig } from '../config.ts';
import { createDatabase } from '../db/client.ts';
import { migrateDatabase } from '../db/migrate.ts';
import { createLogger } from './logger.ts';

/** `relay migrate`: applies the Postgres and ClickHouse migrations, then exits. */
export async function migrateAll(env: Record<string, string | undefined>): Promise<{ postgres: string[]; clickhouse: string[] }> {
  const config = loadControlplaneConfig(env);
  const logger = createLogger(config.logLevel, 'relay-migrate');
  const db = await createDatabase({ databaseUrl: config.databaseUrl, pglitePath: join(config.dataDir, 'pglite') });
  try {
    const postgres = await migrateDatabase(db, logger);
    const clickhouse = await createClickHouse({
      url: config.clickhouseUrl,
      chdbPath: join(config.dataDir, 'chdb'),
      database: config.clickhouseDatabase,
      cluster: config.clickhouseCluster,
    });
    try {
      const analytics = await migrateClickHouse(clickhouse, logger);
      await applyAnalyticsRetention(clickhouse, config.analyticsRetention, logger);
      return { postgres: postgres.applied, clickhouse: analytics.applied };
    } finally {
      await clickhouse.close();
    }
  } finally {
    await db.close();
  }
}
