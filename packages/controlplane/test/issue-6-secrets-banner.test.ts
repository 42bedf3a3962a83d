import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { displayPrefix } from '@proxystacks/shared/keys/key-format';
import { spawnRelay, type RelayProcess } from './e2e/relay-process.ts';

const run = promisify(execFile);

/**
 * Issue 6, item 9: `relay start` printed the admin token and demo key on every start, and
 * `relay controlplane` echoed an operator-supplied RELAY_ADMIN_TOKEN. Terminal scrollback, CI
 * logs and `docker logs` keep whatever is printed, so a secret is printed only by the start that
 * generated it; later starts say where it is and how to read it. Real CLI processes throughout.
 */
const dirs: string[] = [];
let running: RelayProcess | undefined;

afterEach(async () => {
  await running?.stop();
  running = undefined;
});

afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'relay-issue6-secrets-'));
  dirs.push(dir);
  return dir;
}

function start(env: Record<string, string>): RelayProcess {
  running = spawnRelay('start', { DATAPLANE_PORT: '0', CONTROLPLANE_PORT: '0', ...env });
  return running;
}

describe('secrets are printed only when created (issue 6)', () => {
  it('relay start prints the demo key and admin token on the first start only', async () => {
    const dataDir = await tempDir();
    const first = start({ RELAY_DATA_DIR: dataDir });
    const [demoKey] = await first.waitForLine(/^sk-relay-[0-9A-Za-z]{32,}$/);
    const [adminToken] = await first.waitForLine(/^relay-admin-[0-9A-Za-z]{32,}$/);
    const secrets = JSON.parse(await readFile(join(dataDir, 'secrets.json'), 'utf8')) as { demoKey: string; adminToken: string };
    expect({ demoKey, adminToken }).toEqual({ demoKey: secrets.demoKey, adminToken: secrets.adminToken });
    expect(first.stdout()).toContain(join(dataDir, 'secrets.json'));
    expect(await first.stop()).toBe(0);

    const second = start({ RELAY_DATA_DIR: dataDir });
    const [, dataplaneUrl] = await second.waitForLine(/Data plane \(OpenAI-compatible\):\s+(http:\/\/\S+)\/v1$/);
    const [demoLine] = await second.waitForLine(/^Demo API key: .*$/);
    const [adminLine] = await second.waitForLine(/^Admin token .*$/);
    const [curl] = await second.waitForLine(/^\s+curl .*$/);
    const printed = second.stdout() + second.stderr();
    expect(printed).not.toContain(secrets.demoKey);
    expect(printed).not.toContain(secrets.adminToken);
    expect(demoLine).toContain(`${displayPrefix(secrets.demoKey)}…`);
    expect(adminLine).toContain(`${secrets.adminToken.slice(0, 'relay-admin-'.length + 6)}…`);

    // What it prints instead is enough: the commands read the secrets, the curl works as shown.
    const command = (line: string) => line.slice(line.indexOf('print it with: ') + 'print it with: '.length, -1);
    expect((await run('sh', ['-c', command(demoLine!)])).stdout.trim()).toBe(secrets.demoKey);
    expect((await run('sh', ['-c', command(adminLine!)])).stdout.trim()).toBe(secrets.adminToken);
    expect(curl).toContain(dataplaneUrl!);
    const { stdout } = await run('sh', ['-c', `${curl!.trim()} --silent --show-error --max-time 30`]);
    expect(stdout.trimEnd().endsWith('data: [DONE]')).toBe(true);
  }, 240_000); // Two real starts on a shared machine.

  it('relay start never prints an admin token set in RELAY_ADMIN_TOKEN', async () => {
    const token = `operator-${randomBytes(24).toString('hex')}`;
    const relay = start({ RELAY_DATA_DIR: await tempDir(), RELAY_ADMIN_TOKEN: token });
    await relay.waitForLine(/^sk-relay-/); // The demo key is new: that one is shown (same write as the rest).
    expect(relay.stdout() + relay.stderr()).not.toContain(token);
    expect(relay.stdout()).toMatch(/^Admin token .*RELAY_ADMIN_TOKEN$/m);
  }, 180_000);

  it('relay controlplane never echoes a supplied RELAY_ADMIN_TOKEN, and it works', async () => {
    const token = `operator-${randomBytes(24).toString('hex')}`;
    running = spawnRelay('controlplane', {
      RELAY_DATA_DIR: await tempDir(),
      CONTROLPLANE_PORT: '0',
      RELAY_KEY_SECRET: randomBytes(24).toString('hex'),
      RELAY_MASTER_KEY: randomBytes(32).toString('hex'),
      RELAY_INTERNAL_TOKEN: randomBytes(24).toString('hex'),
      RELAY_ADMIN_TOKEN: token,
    });
    const [, url] = await running.waitForLine(/^Control plane: (http:\/\/\S+)\/ /);
    const viewer = await fetch(`${url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query: '{ viewer { id } }' }),
    });
    expect(viewer.status).toBe(200);
    expect(running.stdout() + running.stderr()).not.toContain(token);
    expect(running.stdout()).toMatch(/^Admin token: .*RELAY_ADMIN_TOKEN/m);
  }, 180_000);
});
