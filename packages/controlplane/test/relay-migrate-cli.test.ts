import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { spawnRelay } from './e2e/relay-process.ts';

const SECRETS = {
  RELAY_KEY_SECRET: 'migrate-test-key-secret-0123456789abcdef',
  RELAY_MASTER_KEY: '0'.repeat(63) + '1',
  RELAY_INTERNAL_TOKEN: 'migrate-test-internal-token-0123456789ab',
};

/** `relay migrate` as an operator runs it before a release: applies everything once, then nothing. */
describe('relay migrate', () => {
  let dataDir: string | undefined;
  afterAll(async () => {
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('applies the Postgres and ClickHouse migrations once and reports them', async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'relay-migrate-'));
    const first = spawnRelay('migrate', { ...SECRETS, RELAY_DATA_DIR: dataDir });
    expect(await first.exitCode()).toBe(0);
    expect(first.stdout()).toContain('Postgres migrations applied: 20261124000000_init');
    expect(first.stdout()).toContain('ClickHouse migrations applied: 0001_request_events');

    const second = spawnRelay('migrate', { ...SECRETS, RELAY_DATA_DIR: dataDir });
    expect(await second.exitCode()).toBe(0);
    expect(second.stdout()).toContain('Postgres migrations applied: none (up to date)');
    expect(second.stdout()).toContain('ClickHouse migrations applied: none (up to date)');
  });

  it('refuses to start without its secrets and says which', async () => {
    const run = spawnRelay('migrate', { RELAY_DATA_DIR: join(tmpdir(), 'relay-migrate-unused') });
    expect(await run.exitCode()).toBe(1);
    for (const name of ['RELAY_KEY_SECRET', 'RELAY_MASTER_KEY', 'RELAY_INTERNAL_TOKEN']) expect(run.stderr()).toContain(name);
  });

  it('relay dataplane refuses to start without a control plane to follow, and says so', async () => {
    const run = spawnRelay('dataplane', { RELAY_KEY_SECRET: SECRETS.RELAY_KEY_SECRET, RELAY_INTERNAL_TOKEN: SECRETS.RELAY_INTERNAL_TOKEN, DATAPLANE_PORT: '0' });
    expect(await run.exitCode()).toBe(1);
    expect(run.stderr()).toContain('CONTROLPLANE_URL is required');
    expect(run.stderr()).not.toContain(SECRETS.RELAY_KEY_SECRET);
  });

  it('rejects an unknown command with usage', async () => {
    const run = spawnRelay('launch', {});
    expect(await run.exitCode()).toBe(2);
    expect(run.stderr()).toContain("unknown command 'launch'");
    expect(run.stderr()).toContain('Usage: pnpm relay <command>');
  });
});
