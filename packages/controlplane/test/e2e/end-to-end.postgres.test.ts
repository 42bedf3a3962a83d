import { describe, it } from 'vitest';
import { openTestDatabase } from '../support/test-database.ts';
import { describeEndToEnd } from './end-to-end-suite.ts';

// Real Postgres when TEST_DATABASE_URL is set (.ci/run sets it): a fresh database per run.
if (process.env.TEST_DATABASE_URL) {
  describeEndToEnd('Postgres', async () => {
    const db = await openTestDatabase('postgres');
    return { url: db.url, cleanup: db.cleanup };
  });
} else {
  describe('relay end to end on Postgres', () => {
    it.skip('needs TEST_DATABASE_URL (set by .ci/run) to run against a real Postgres server', () => {});
  });
}
