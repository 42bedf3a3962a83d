import { configDefaults, defineConfig } from 'vitest/config';

/**
 * Three projects (Hono's layout):
 * - unit: colocated `src/**\/*.test.ts`, pure functions, run in threads.
 * - integration: `packages/*\/test/**\/*.test.ts`, real servers on port 0, real Postgres/PGlite
 *   and real chDB. chDB allows one data directory per process, so every file runs in its own
 *   forked process (pool: 'forks', isolate: true). Two files at a time even on a 2-core box
 *   (vitest's default there is one): most of a file's time is spent waiting on servers, sockets
 *   and child processes, and every file has its own ports, data directories and database, so
 *   they cannot collide. RELAY_TEST_WORKERS overrides the count.
 * - solo: integration files that measure a cluster under load (budgets held with one data plane
 *   killed and the control plane paused; zero failed requests while the control plane is killed
 *   and restarted). They judge timing-sensitive bounds, so they run alone,
 *   after the other integration files, instead of sharing two cores with another file.
 * - e2e: the console in Chromium through playwright-core, same process rules.
 */
const integrationWorkers = Number.parseInt(process.env.RELAY_TEST_WORKERS ?? '2', 10) || 2;
const SOLO_FILES = ['packages/controlplane/test/issue-8-multi-dataplane-load.test.ts', 'packages/controlplane/test/issue-11-scale-out.test.ts'];

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          // Projects with different worker counts run as separate groups, one after another.
          sequence: { groupOrder: 0 },
          include: ['packages/*/src/**/*.test.ts'],
          environment: 'node',
        },
      },
      {
        test: {
          name: 'integration',
          sequence: { groupOrder: 1 },
          include: ['packages/*/test/**/*.test.ts'],
          exclude: [...configDefaults.exclude, ...SOLO_FILES],
          environment: 'node',
          pool: 'forks',
          isolate: true,
          maxWorkers: integrationWorkers,
          testTimeout: 60_000,
          hookTimeout: 180_000,
        },
      },
      {
        test: {
          name: 'solo',
          sequence: { groupOrder: 2 },
          include: SOLO_FILES,
          environment: 'node',
          pool: 'forks',
          isolate: true,
          maxWorkers: 1,
          testTimeout: 60_000,
          hookTimeout: 180_000,
        },
      },
      {
        test: {
          name: 'e2e',
          sequence: { groupOrder: 3 },
          include: ['packages/*/e2e/**/*.e2e.test.ts'],
          environment: 'node',
          pool: 'forks',
          isolate: true,
          testTimeout: 120_000,
          hookTimeout: 180_000,
        },
      },
    ],
  },
});
