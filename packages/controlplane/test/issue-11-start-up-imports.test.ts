import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const RECORD_IMPORTS = fileURLToPath(new URL('./support/record-imports.mjs', import.meta.url));
/** What makes a start slow: the database, the analytics engine, the GraphQL server. */
const HEAVY = /controlplane-services|@prisma|pglite|chdb|graphql-yoga|@pothos/;

/** Runs `relay <args>` with every resolved module recorded; resolves with its exit code, output and the heavy modules it loaded. */
async function relayImports(args: string[], env: Record<string, string>): Promise<{ code: number | null; stderr: string; heavy: string[] }> {
  const child = spawn(process.execPath, ['--import', RECORD_IMPORTS, '--import', 'tsx', 'packages/controlplane/src/cli/relay.ts', ...args], {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const [code] = (await once(child, 'exit')) as [number | null];
  const loaded = stderr.split('\n').filter((line) => line.startsWith('import ')).map((line) => line.slice('import '.length));
  return { code, stderr: stderr.split('\n').filter((line) => !line.startsWith('import ')).join('\n'), heavy: loaded.filter((url) => HEAVY.test(url)) };
}

/**
 * Issue 11: what made relay-start-cli slow besides the usage text. `relay start` with a bad
 * setting loaded the whole control plane (Prisma, PGlite, chDB, GraphQL: ~12 s on a busy 2-core
 * box) before it named the bad values, and before it found its data directory in use; it now
 * checks both first and loads them only to start.
 */
describe('relay start-up loads only what it runs', () => {
  let dataDir: string | undefined;
  afterAll(async () => {
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('reports a bad configuration without loading the control plane', async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'relay-imports-'));
    const run = await relayImports(['start'], { RELAY_DATA_DIR: dataDir, DATAPLANE_PORT: 'eighty', CONTROLPLANE_PORT: '70000' });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('DATAPLANE_PORT');
    expect(run.stderr).toContain('CONTROLPLANE_PORT');
    expect(run.heavy).toEqual([]);
  });

  it('refuses a data directory another relay holds without loading the control plane', async () => {
    const held = await mkdtemp(join(tmpdir(), 'relay-imports-held-'));
    try {
      // The lock file names a live process (this one), as a running `relay start` leaves it.
      await writeFile(join(held, 'pglite.lock'), String(process.pid));
      const run = await relayImports(['start'], { RELAY_DATA_DIR: held, DATAPLANE_PORT: '0', CONTROLPLANE_PORT: '0' });
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(/^relay: .*in use/m);
      expect(run.heavy).toEqual([]);
    } finally {
      await rm(held, { recursive: true, force: true });
    }
  });

  it('prints the usage text without loading the control plane', async () => {
    const run = await relayImports(['help'], {});
    expect(run.code).toBe(0);
    expect(run.heavy).toEqual([]);
  });
});
