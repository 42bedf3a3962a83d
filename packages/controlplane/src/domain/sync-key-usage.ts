import type { PrismaClient } from '../generated/prisma/client.ts';
import type { ClickHouse } from '../analytics/clickhouse.ts';

export interface KeyUsageSyncOptions {
  prisma: PrismaClient;
  clickhouse: ClickHouse;
  intervalMs: number;
}

/**
 * Keeps `api_key.last_used_at` current from the request events, so the data plane never
 * writes to Postgres on the hot path. Each pass reads only events inserted since the previous
 * pass (by `inserted_at`) and moves a key's timestamp forward, never back.
 */
export function createKeyUsageSync(options: KeyUsageSyncOptions) {
  const { prisma, clickhouse } = options;
  let watermark = new Date(Date.now() - 24 * 3_600_000);
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<number> | null = null;

  async function syncOnce(): Promise<number> {
    const startedAt = new Date();
    const result = await clickhouse.client.query({
      query: `SELECT key_id, toUnixTimestamp64Milli(max(ts)) AS last_ms
              FROM ${clickhouse.database}.request_events
              WHERE inserted_at >= fromUnixTimestamp64Milli({since:Int64}) AND key_id != '' AND status_code < 400
              GROUP BY key_id`,
      query_params: { since: watermark.getTime() - 5_000 },
      format: 'JSONEachRow',
    });
    const rows = await result.json<{ key_id: string; last_ms: string | number }>();
    let updated = 0;
    for (const row of rows) {
      const lastUsedAt = new Date(Number(row.last_ms));
      const { count } = await prisma.apiKey.updateMany({
        where: { id: row.key_id, OR: [{ lastUsedAt: null }, { lastUsedAt: { lt: lastUsedAt } }] },
        data: { lastUsedAt },
      });
      updated += count;
    }
    watermark = startedAt;
    return updated;
  }

  return {
    start() {
      const tick = () => {
        running = syncOnce().catch(() => 0);
        void running.finally(() => {
          running = null;
          timer = setTimeout(tick, options.intervalMs);
          timer.unref();
        });
      };
      timer = setTimeout(tick, options.intervalMs);
      timer.unref();
    },
    syncOnce,
    async stop() {
      if (timer !== null) clearTimeout(timer);
      timer = null;
      await running;
    },
  };
}
