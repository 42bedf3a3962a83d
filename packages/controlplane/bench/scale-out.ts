/**
 * `pnpm --filter @proxystacks/controlplane bench:scale-out` (issue 11): one `relay controlplane`
 * and three `relay dataplane` processes through the real CLI (PGlite and chDB in temp
 * directories; BENCH_DATABASE_URL for Postgres). Measures, BENCH_SCALE_ROUNDS (5) times, how long
 * a new alias takes to answer on all three data planes (target < 1 s); then, under closed-loop
 * load on all three (BENCH_SCALE_CLIENTS per plane, 4), kills the control plane with SIGKILL,
 * restarts it, and counts failed requests (target 0) and how long until every served request's
 * event is in ClickHouse. Writes bench/results/scale-out.{json,md}.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { seedMockAlias } from '../test/e2e/relay-process.ts';
import { startMultiPlane } from '../test/support/multi-plane.ts';
import { createPlaneKey, driveLoad, spendByKey, waitForAliasEverywhere } from '../test/support/scale-out-load.ts';

const ROUNDS = Number(process.env.BENCH_SCALE_ROUNDS ?? 5);
const CLIENTS = Number(process.env.BENCH_SCALE_CLIENTS ?? 4);
const PROPAGATION_GIVE_UP_MS = 30_000;
const startedAt = Date.now();

const cluster = await startMultiPlane({
  dataplanes: 3,
  databaseUrl: process.env.BENCH_DATABASE_URL ?? null,
  dataplaneEnv: { EVENT_FLUSH_INTERVAL_MS: '100' },
  seed: async (graphql) => void (await seedMockAlias(graphql)),
});
try {
  const keys = await Promise.all(cluster.dataplanes.map((_, i) => createPlaneKey(cluster.graphql, `bench-scale-out-${i}`)));
  await waitForAliasEverywhere(cluster, keys, 'relay-mini', PROPAGATION_GIVE_UP_MS);
  const { createProvider: provider } = await cluster.graphql<{ createProvider: { id: string } }>(
    'mutation($input: CreateProviderInput!) { createProvider(input: $input) { id } }',
    { input: { name: 'Mock bench', type: 'MOCK' } },
  );
  const propagation: number[][] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const alias = `bench-scaled-${round}`;
    const mutationStart = performance.now();
    await cluster.graphql('mutation($input: CreateModelAliasInput!) { createModelAlias(input: $input) { id } }', {
      input: { alias, routes: [{ providerId: provider.id, upstreamModel: 'mock-1' }] },
    });
    const mutationMs = performance.now() - mutationStart;
    // From the mutation's answer; the propagation helper counts from its own call.
    propagation.push((await waitForAliasEverywhere(cluster, keys, alias, PROPAGATION_GIVE_UP_MS)).map((ms) => Math.round(ms)));
    process.stdout.write(`round ${round}: mutation ${Math.round(mutationMs)} ms, propagation ${propagation.at(-1)!.join(' / ')} ms\n`);
  }
  const probes = 1 + ROUNDS; // requests per key the propagation checks sent

  const load = driveLoad(cluster, keys, { clientsPerPlane: CLIENTS });
  await load.waitForServed(20);
  const killAt = performance.now();
  await cluster.stopControlplane('SIGKILL');
  await load.waitForServed(20);
  await cluster.restartControlplane();
  const restartMs = Math.round(performance.now() - killAt);
  await load.waitForServed(20);
  const { served, failures } = await load.stop();
  const stoppedAt = performance.now();
  let eventsComplete = false;
  while (performance.now() - stoppedAt < 120_000) {
    const spend = await spendByKey(cluster.graphql, startedAt);
    if (keys.every((key, i) => (spend.get(key.id) ?? 0) >= served[i]! + probes)) {
      eventsComplete = true;
      break;
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  const eventsCompleteMs = Math.round(performance.now() - stoppedAt);
  const spend = await spendByKey(cluster.graphql, startedAt);

  const worst = propagation.map((round) => Math.max(...round)).sort((a, b) => a - b);
  const report = {
    at: new Date().toISOString(),
    database: process.env.BENCH_DATABASE_URL ? 'postgres' : 'pglite',
    propagationMsPerRound: propagation,
    propagationWorstMedianMs: worst[Math.floor(worst.length / 2)],
    propagationWorstMaxMs: worst.at(-1),
    load: { clientsPerPlane: CLIENTS, served, failedRequests: failures.length, failures: failures.slice(0, 20) },
    controlplaneKillToListeningMs: restartMs,
    events: { complete: eventsComplete, afterLoadStoppedMs: eventsCompleteMs, expectedPerKey: served.map((n) => n + probes), inClickHouse: keys.map((key) => spend.get(key.id) ?? 0) },
  };
  const dir = join(import.meta.dirname, 'results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'scale-out.json'), `${JSON.stringify(report, null, 2)}\n`);
  const md = `# Scale-out: three data planes, one control plane (issue 11)

${report.at}, ${report.database}. Command: \`npx -y pnpm@10.34.9 --filter @proxystacks/controlplane bench:scale-out\`.

| measure | value | target |
| --- | ---: | ---: |
| config propagation to all three, median of ${ROUNDS} rounds (slowest plane) | ${report.propagationWorstMedianMs} ms | < 1000 ms |
| config propagation, worst round | ${report.propagationWorstMaxMs} ms | |
| requests served during the control plane kill + restart (per plane) | ${served.join(' / ')} | |
| failed requests | ${failures.length} | 0 |
| control plane SIGKILL → listening again | ${restartMs} ms | |
| every event in ClickHouse after the load stopped | ${eventsComplete ? `${eventsCompleteMs} ms` : `NOT complete after ${eventsCompleteMs} ms`} | complete |

Propagation per round (ms, plane 0 / 1 / 2): ${propagation.map((r) => r.join(' / ')).join('; ')}.
`;
  writeFileSync(join(dir, 'scale-out.md'), md);
  process.stdout.write(md);
} finally {
  await cluster.close();
}
