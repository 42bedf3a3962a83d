import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { spawnRelay, type RelayProcess } from './e2e/relay-process.ts';
import { postAuth, sessionGql, sessionOf, tokenOfSetupUrl } from './support/console-session.ts';

/**
 * Issue 7: `relay start` still prints what a newcomer needs to sign in at once. A fresh data
 * directory gets an owner user (RELAY_OWNER_EMAIL) and the banner prints their set-up link,
 * once, like the admin token; opening it sets the password and signs in as the owner. Later
 * starts print how to get a new link, and `relay setup-link <email>` issues one (audited as
 * SYSTEM). `relay controlplane` prints the link the same way. Real CLI processes throughout.
 */
const PASSWORD = 'the owner’s long passphrase';
const SETUP_LINE = /^(http:\/\/\S+\/setup#token=relay-setup-[0-9A-Za-z]{43})$/;
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
  const dir = await mkdtemp(join(tmpdir(), 'relay-issue7-people-'));
  dirs.push(dir);
  return dir;
}

/** Opens a set-up link against the control plane at `origin`: the owner's session, and what the viewer query says. */
async function useLink(origin: string, setupUrl: string) {
  const answer = await postAuth(origin, '/auth/setup', { token: tokenOfSetupUrl(setupUrl), password: PASSWORD });
  if (answer.status !== 200) return { status: answer.status, viewer: null };
  const session = sessionOf(answer);
  const { body } = await sessionGql<{ viewer: { kind: string; name: string; role: string } }>(`${origin}/graphql`, session, '{ viewer { kind name role } }');
  return { status: answer.status, viewer: body.data?.viewer ?? null };
}

describe('signing in after relay start (issue 7)', () => {
  it('prints a working owner set-up link once; relay setup-link issues a new one, audited', async () => {
    const dataDir = await tempDir();
    const env = { RELAY_DATA_DIR: dataDir, DATAPLANE_PORT: '0', CONTROLPLANE_PORT: '0', RELAY_OWNER_EMAIL: 'Boss@Example.com' };
    running = spawnRelay('start', env);
    const consoleUrl = (await running.waitForLine(/Console:\s+(http:\/\/\S+)\/$/))[1]!;
    const [setupUrl] = await running.waitForLine(SETUP_LINE);
    expect(setupUrl!.startsWith(`${consoleUrl}/setup#token=`)).toBe(true);
    expect(running.stdout()).toMatch(/^Console sign-in: boss@example\.com; open this set-up link/m);
    expect(running.stdout()).toContain('pnpm relay setup-link boss@example.com');
    const [adminToken] = await running.waitForLine(/^relay-admin-[0-9A-Za-z]{32,}$/);

    expect(await useLink(consoleUrl, setupUrl!)).toEqual({ status: 200, viewer: { kind: 'user', name: 'boss@example.com', role: 'OWNER' } });
    expect((await useLink(consoleUrl, setupUrl!)).status).toBe(401); // single use
    expect((await postAuth(consoleUrl, '/auth/sign-in', { email: 'boss@example.com', password: PASSWORD })).status).toBe(200);
    expect(await running.stop()).toBe(0);

    // A new link from the CLI (the embedded database is free while the relay is stopped).
    const cli = spawnRelay('setup-link', { RELAY_DATA_DIR: dataDir }, ['boss@example.com']);
    expect(await cli.exitCode()).toBe(0);
    const newUrl = cli.stdout().split('\n').find((line) => /\/setup#token=relay-setup-/.test(line))!;
    expect(cli.stdout()).toMatch(/^Set-up link for boss@example\.com \(shown this once, valid until \S+\):$/m);

    running = spawnRelay('start', env);
    const secondUrl = (await running.waitForLine(/Console:\s+(http:\/\/\S+)\/$/))[1]!;
    const [signInLine] = await running.waitForLine(/^Console sign-in: .*$/);
    expect(signInLine).toBe('Console sign-in: boss@example.com with its password (a new set-up link: pnpm relay setup-link boss@example.com)');
    expect(running.stdout()).not.toMatch(/setup#token=/);
    expect(await useLink(secondUrl, newUrl.replace(/^http:\/\/[^/]+/, secondUrl))).toEqual({ status: 200, viewer: { kind: 'user', name: 'boss@example.com', role: 'OWNER' } });

    const audit = await fetch(`${secondUrl}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${adminToken}` },
      body: JSON.stringify({ query: '{ auditEntries(filter: { actorId: "" }) { entries { actorType action objectType } } }' }),
    });
    const entries = ((await audit.json()) as { data: { auditEntries: { entries: Array<{ actorType: string; action: string; objectType: string }> } } }).data.auditEntries.entries;
    expect(entries).toContainEqual({ actorType: 'SYSTEM', action: 'setup-link', objectType: 'SetupLink' });
    expect(entries).toContainEqual({ actorType: 'SYSTEM', action: 'bootstrap', objectType: 'User' });
  }, 300_000);

  it('relay setup-link says what to do for an unknown email and while relay start holds the data', async () => {
    const dataDir = await tempDir();
    running = spawnRelay('start', { RELAY_DATA_DIR: dataDir, DATAPLANE_PORT: '0', CONTROLPLANE_PORT: '0' });
    await running.waitForLine(SETUP_LINE);
    const busy = spawnRelay('setup-link', { RELAY_DATA_DIR: dataDir }, ['owner@relay.local']);
    expect(await busy.exitCode()).toBe(1);
    expect(busy.stderr()).toMatch(/Stop `relay start`/);
    await running.stop();
    const unknown = spawnRelay('setup-link', { RELAY_DATA_DIR: dataDir }, ['nobody@example.com']);
    expect(await unknown.exitCode()).toBe(1);
    expect(unknown.stderr()).toContain('No user with the email nobody@example.com.');
  }, 240_000);

  it('relay controlplane prints the owner set-up link on its first start, and it works', async () => {
    running = spawnRelay('controlplane', {
      RELAY_DATA_DIR: await tempDir(),
      CONTROLPLANE_PORT: '0',
      RELAY_KEY_SECRET: randomBytes(24).toString('hex'),
      RELAY_MASTER_KEY: randomBytes(32).toString('hex'),
      RELAY_INTERNAL_TOKEN: randomBytes(24).toString('hex'),
    });
    const url = (await running.waitForLine(/^Control plane: (http:\/\/\S+)\/ /))[1]!;
    const [setupUrl] = await running.waitForLine(SETUP_LINE);
    expect(setupUrl!.startsWith(`${url}/setup#token=`)).toBe(true);
    expect(await useLink(url, setupUrl!)).toEqual({ status: 200, viewer: { kind: 'user', name: 'owner@relay.local', role: 'OWNER' } });
  }, 180_000);
});
