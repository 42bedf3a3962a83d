/**
 * `pnpm bench` (second part): how long a revoked key keeps working on a separate data plane.
 * Starts `relay controlplane` and `relay dataplane` as real processes through the CLI (PGlite
 * and chDB in temp directories), then repeatedly creates a key, waits until the data plane
 * accepts it, revokes it over GraphQL and measures the time until the data plane refuses it.
 * Writes bench/results/revocation.json and revocation.md.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createGraphQLClient } from '../test/e2e/graphql-client.ts';
import { spawnRelay, type RelayProcess } from '../test/e2e/relay-process.ts';

// BENCH_ONLY (floor, events) selects one benchmark of `pnpm bench`: this one runs only in a full run.
if ((process.env.BENCH_ONLY ?? '') !== '') process.exit(0);

const ROUNDS = Number(process.env.BENCH_REVOCATION_ROUNDS ?? 30);
const here = import.meta.dirname;
const secrets = {
  RELAY_KEY_SECRET: randomBytes(24).toString('hex'),
  RELAY_MASTER_KEY: randomBytes(32).toString('hex'),
  RELAY_INTERNAL_TOKEN: randomBytes(24).toString('hex'),
};
const dirs: string[] = [];
const processes: RelayProcess[] = [];

try {
  const cpDir = await mkdtemp(join(tmpdir(), 'relay-bench-cp-'));
  const dpDir = await mkdtemp(join(tmpdir(), 'relay-bench-dp-'));
  dirs.push(cpDir, dpDir);
  const controlplane = spawnRelay('controlplane', { ...secrets, RELAY_DATA_DIR: cpDir, CONTROLPLANE_PORT: '0' });
  processes.push(controlplane);
  const [, cpUrl] = await controlplane.waitForLine(/^Control plane: (http:\/\/\S+)\/ /);
  const [adminToken] = await controlplane.waitForLine(/^relay-admin-\S+$/);
  const dataplane = spawnRelay('dataplane', { CONTROLPLANE_URL: cpUrl!, RELAY_INTERNAL_TOKEN: secrets.RELAY_INTERNAL_TOKEN, RELAY_KEY_SECRET: secrets.RELAY_KEY_SECRET, RELAY_DATA_DIR: dpDir, DATAPLANE_PORT: '0' });
  processes.push(dataplane);
  const [, dpUrl] = await dataplane.waitForLine(/^Data plane: (http:\/\/\S+)\/v1 /);
  const graphql = createGraphQLClient(`${cpUrl}/graphql`, adminToken!);

  const accepts = async (secret: string) => (await fetch(`${dpUrl}/v1/models`, { headers: { authorization: `Bearer ${secret}` } })).status === 200;
  const until = async (condition: () => Promise<boolean>) => {
    const started = performance.now();
    while (!(await condition())) {
      if (performance.now() - started > 10_000) throw new Error('timed out after 10 s');
    }
    return performance.now() - started;
  };

  const created: number[] = [];
  const revoked: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const t0 = performance.now();
    const { createKey } = await graphql<{ createKey: { secret: string; key: { id: string } } }>(
      'mutation($input: CreateKeyInput!) { createKey(input: $input) { secret key { id } } }',
      { input: { name: `bench-${round}` } },
    );
    const mutationMs = performance.now() - t0;
    created.push(mutationMs + (await until(() => accepts(createKey.secret))));
    const t1 = performance.now();
    await graphql('mutation($id: ID!) { revokeKey(id: $id) { id } }', { id: createKey.key.id });
    const revokeMutationMs = performance.now() - t1;
    // Measured from the start of the mutation: what an admin experiences.
    revoked.push(revokeMutationMs + (await until(async () => !(await accepts(createKey.secret)))));
  }

  const summary = (values: number[]) => {
    const sorted = [...values].sort((a, b) => a - b);
    const at = (q: number) => Number(sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!.toFixed(1));
    return { n: values.length, p50Ms: at(0.5), p95Ms: at(0.95), maxMs: Number(sorted.at(-1)!.toFixed(1)) };
  };
  const results = {
    date: new Date().toISOString(),
    node: process.version,
    topology: 'relay controlplane + relay dataplane, separate processes on loopback, PGlite + chDB',
    keyCreatedToAccepted: summary(created),
    revokeToRefused: summary(revoked),
  };
  const md = [
    '# Key propagation to a separate data plane',
    '',
    `${results.date} · Node ${results.node} · ${results.topology}`,
    '',
    'Time from the start of the GraphQL mutation until the data plane answers accordingly (snapshots are long-polled).',
    '',
    '| What | n | p50 ms | p95 ms | max ms |',
    '|---|--:|--:|--:|--:|',
    `| createKey → key accepted | ${results.keyCreatedToAccepted.n} | ${results.keyCreatedToAccepted.p50Ms} | ${results.keyCreatedToAccepted.p95Ms} | ${results.keyCreatedToAccepted.maxMs} |`,
    `| revokeKey → key refused | ${results.revokeToRefused.n} | ${results.revokeToRefused.p50Ms} | ${results.revokeToRefused.p95Ms} | ${results.revokeToRefused.maxMs} |`,
    '',
    'Target: a revoked key stops working within one second. Inside `relay start` the mutation returns only after the in-process data plane has the new snapshot, so the delay there is zero by construction.',
    '',
  ].join('\n');
  mkdirSync(join(here, 'results'), { recursive: true });
  writeFileSync(join(here, 'results', 'revocation.json'), `${JSON.stringify(results, null, 2)}\n`);
  writeFileSync(join(here, 'results', 'revocation.md'), md);
  process.stdout.write(`\n${md}\n`);
} finally {
  for (const child of processes.reverse()) await child.stop();
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
}
