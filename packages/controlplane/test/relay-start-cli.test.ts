import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { spawnRelay, type RelayProcess } from './e2e/relay-process.ts';

const run = promisify(execFile);
const README = new URL('../../../README.md', import.meta.url);

/**
 * `relay start` as a newcomer runs it: a real process on embedded defaults (PGlite, chDB, the
 * mock provider), the banner it prints, the README's own curl example run verbatim against it,
 * a graceful stop, and a restart that keeps the same demo key and admin token (read from
 * secrets.json: only the first start prints them).
 */
describe('relay start (the README command)', () => {
  let dataDir: string;
  let relay: RelayProcess | undefined;

  afterAll(async () => {
    await relay?.stop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  async function startAndReadBanner() {
    relay = spawnRelay('start', { RELAY_DATA_DIR: dataDir, DATAPLANE_PORT: '0', CONTROLPLANE_PORT: '0' });
    const [, dataplaneUrl] = await relay.waitForLine(/Data plane \(OpenAI-compatible\):\s+(http:\/\/\S+)\/v1$/);
    const [, consoleUrl] = await relay.waitForLine(/Console:\s+(http:\/\/\S+)\/$/);
    const [demoKey] = await relay.waitForLine(/^sk-relay-[0-9A-Za-z]{32,}$/);
    const [adminToken] = await relay.waitForLine(/^relay-admin-[0-9A-Za-z]{32,}$/);
    return { dataplaneUrl: dataplaneUrl!, consoleUrl: consoleUrl!, demoKey: demoKey!, adminToken: adminToken! };
  }

  /** A later start prints where the secrets are, not the secrets: they are read from the file. */
  async function startAndReadLaterBanner() {
    relay = spawnRelay('start', { RELAY_DATA_DIR: dataDir, DATAPLANE_PORT: '0', CONTROLPLANE_PORT: '0' });
    const [, dataplaneUrl] = await relay.waitForLine(/Data plane \(OpenAI-compatible\):\s+(http:\/\/\S+)\/v1$/);
    const [, consoleUrl] = await relay.waitForLine(/Console:\s+(http:\/\/\S+)\/$/);
    await relay.waitForLine(/^Admin token/);
    const secrets = JSON.parse(await readFile(join(dataDir, 'secrets.json'), 'utf8')) as { demoKey: string; adminToken: string };
    return { dataplaneUrl: dataplaneUrl!, consoleUrl: consoleUrl!, demoKey: secrets.demoKey, adminToken: secrets.adminToken };
  }

  async function runReadmeCurl(dataplaneUrl: string, demoKey: string): Promise<string> {
    const readme = await readFile(README, 'utf8');
    const example = readme.split('\n').find((line) => line.startsWith('curl localhost:8080/v1/chat/completions'));
    expect(example, 'README keeps the seed curl example').toBeDefined();
    const command = example!.replace('localhost:8080', dataplaneUrl.replace('http://', '')).replace('<demo key>', demoKey);
    const { stdout } = await run('sh', ['-c', `${command} --silent --show-error --max-time 30`]);
    return stdout;
  }

  it('starts, prints where everything is, and answers the README example', async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'relay-start-'));
    const first = await startAndReadBanner();

    const stream = await runReadmeCurl(first.dataplaneUrl, first.demoKey);
    const events = stream.split('\n\n').filter((e) => e.startsWith('data: '));
    expect(events.at(-1)).toBe('data: [DONE]');
    const chunks = events.slice(0, -1).map((e) => JSON.parse(e.slice('data: '.length)));
    expect(chunks.every((c) => c.object === 'chat.completion.chunk')).toBe(true);
    expect(chunks.at(-1).choices[0].finish_reason).toBe('stop');
    expect(chunks.map((c) => c.choices[0]?.delta?.content ?? '').join('')).not.toBe('');

    const page = await fetch(first.consoleUrl);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);

    const viewer = await fetch(`${first.consoleUrl}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${first.adminToken}` },
      body: JSON.stringify({ query: '{ viewer { id } }' }),
    });
    expect(viewer.status).toBe(200);

    const secrets = await stat(join(dataDir, 'secrets.json'));
    expect(secrets.mode & 0o777).toBe(0o600);
    const logs = relay!.stdout() + relay!.stderr();
    // The banner prints the demo key and admin token; nothing else may (logs included).
    expect(logs.split(first.demoKey).length - 1).toBe(2);

    expect(await relay!.stop()).toBe(0);

    // A restart on the same data directory keeps the same credentials working.
    const second = await startAndReadLaterBanner();
    expect(second.demoKey).toBe(first.demoKey);
    expect(second.adminToken).toBe(first.adminToken);
    expect(relay!.stdout() + relay!.stderr()).not.toContain(first.demoKey);
    const again = await runReadmeCurl(second.dataplaneUrl, second.demoKey);
    expect(again.trimEnd().endsWith('data: [DONE]')).toBe(true);

    // Once an admin revokes the demo key, the banner stops offering it.
    const graphql = async (query: string, variables: Record<string, unknown> = {}) => {
      const response = await fetch(`${second.consoleUrl}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${second.adminToken}` },
        body: JSON.stringify({ query, variables }),
      });
      return ((await response.json()) as { data: Record<string, any> }).data;
    };
    const { keys } = await graphql('{ keys { id name } }');
    const demo = (keys as Array<{ id: string; name: string }>).find((k) => k.name === 'Demo key')!;
    await graphql('mutation($id: ID!) { revokeKey(id: $id) { id } }', { id: demo.id });
    expect(await relay!.stop()).toBe(0);
    relay = spawnRelay('start', { RELAY_DATA_DIR: dataDir, DATAPLANE_PORT: '0', CONTROLPLANE_PORT: '0' });
    await relay.waitForLine(/^Admin token/);
    expect(relay.stdout()).not.toContain('Demo API key');
    expect(relay.stdout()).not.toContain('Try it');
    expect(await relay.stop()).toBe(0);
  }, 240_000); // Three real starts on a shared machine: well past the default 60 s.

  it('refuses a second relay on the same data directory', async () => {
    const holder = spawnRelay('start', { RELAY_DATA_DIR: dataDir, DATAPLANE_PORT: '0', CONTROLPLANE_PORT: '0' });
    relay = holder;
    await holder.waitForLine(/^Admin token/);
    const second = spawnRelay('start', { RELAY_DATA_DIR: dataDir, DATAPLANE_PORT: '0', CONTROLPLANE_PORT: '0' });
    const code = await second.exitCode();
    expect(code).toBe(1);
    expect(second.stderr()).toMatch(/^relay: .*(lock|in use)/im);
  });

  it('names every bad configuration value at once', async () => {
    const bad = spawnRelay('start', { RELAY_DATA_DIR: dataDir, DATAPLANE_PORT: 'eighty', CONTROLPLANE_PORT: '70000' });
    const code = await bad.exitCode();
    expect(code).toBe(1);
    expect(bad.stderr()).toContain('DATAPLANE_PORT');
    expect(bad.stderr()).toContain('CONTROLPLANE_PORT');
  });
});
