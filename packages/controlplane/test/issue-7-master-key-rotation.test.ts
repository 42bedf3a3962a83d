import { createCipheriv, randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSecret, parseSecretKey, sealedKeyId, secretKeyId, type SecretKey } from '@proxystacks/shared/crypto/sealed-secret';
import { createDatabase } from '../src/db/client.ts';
import { startRelay, type RunningRelay } from '../src/runtime/start-relay.ts';
import { createGraphQLClient } from './e2e/graphql-client.ts';
import { spawnRelay } from './e2e/relay-process.ts';

/** A credential as sealed before key ids existed (`v1.<iv>.<ciphertext>.<tag>`), bound to its provider. */
function sealV1(plaintext: string, key: SecretKey, providerId: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(`provider:${providerId}`));
  const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return ['v1', iv.toString('base64url'), ciphertext.toString('base64url'), cipher.getAuthTag().toString('base64url')].join('.');
}

interface SecretsFile {
  masterKey: string;
  previousMasterKey?: string;
}

const CREDENTIALS = { Alpha: 'sk-upstream-alpha-0123456789', Beta: 'sk-upstream-beta-9876543210' } as const;

/**
 * Issue 7: `relay rotate-master-key` on the embedded default. Two providers' credentials start
 * as v1 values (sealed before key ids), the real CLI rotates, and the relay started again on the
 * new key sends the credential upstream (a loopback server that answers only to it).
 */
describe('issue 7: relay rotate-master-key re-seals every credential and the relay keeps serving', () => {
  let dataDir: string;
  let relay: RunningRelay | null = null;
  let upstream: Server;
  let upstreamUrl: string;
  const seen: string[] = [];
  let apiKey: string;
  let providerIds: Record<keyof typeof CREDENTIALS, string>;
  let oldKey: SecretKey;

  const start = () => startRelay({ dataDir, databaseUrl: null, dataplanePort: 0, controlplanePort: 0, seedDemo: false, logLevel: 'warn' });
  const secrets = async () => JSON.parse(await readFile(join(dataDir, 'secrets.json'), 'utf8')) as SecretsFile;
  const sealedCredentials = async () => {
    const db = await createDatabase({ databaseUrl: null, pglitePath: join(dataDir, 'pglite') });
    try {
      return await db.query<{ id: string; credential_sealed: string }>('SELECT id, credential_sealed FROM provider WHERE credential_sealed IS NOT NULL ORDER BY id');
    } finally {
      await db.close();
    }
  };
  const chat = (model: string) =>
    fetch(`${relay!.dataplaneUrl}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${apiKey}` },
      body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }] }),
    });

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'relay-rotate-'));
    upstream = createServer((req, res) => {
      const auth = req.headers.authorization ?? '';
      seen.push(auth);
      req.resume();
      req.on('end', () => {
        if (!Object.values(CREDENTIALS).some((c) => auth === `Bearer ${c}`)) {
          res.writeHead(401, { 'content-type': 'application/json' }).end('{"error":{"message":"no","type":"invalid_request_error","code":"invalid_api_key"}}');
          return;
        }
        const body = { id: 'c1', object: 'chat.completion', created: 1, model: 'up-1', choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }], usage: { prompt_tokens: 3, completion_tokens: 1, total_tokens: 4 } };
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      });
    });
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}/v1`;

    relay = await start();
    const graphql = createGraphQLClient(`${relay.controlplaneUrl}/graphql`, relay.adminToken);
    const ids: Partial<Record<keyof typeof CREDENTIALS, string>> = {};
    for (const [name, credential] of Object.entries(CREDENTIALS) as Array<[keyof typeof CREDENTIALS, string]>) {
      const { createProvider } = await graphql<{ createProvider: { id: string } }>('mutation($input: CreateProviderInput!) { createProvider(input: $input) { id } }', {
        input: { name, type: 'OPENAI_COMPATIBLE', baseUrl: upstreamUrl, credential },
      });
      ids[name] = createProvider.id;
      await graphql('mutation($a: String!, $p: ID!) { createModelAlias(input: { alias: $a, routes: [{ providerId: $p, upstreamModel: "up-1" }] }) { id } }', {
        a: name.toLowerCase(),
        p: createProvider.id,
      });
    }
    providerIds = ids as Record<keyof typeof CREDENTIALS, string>;
    const { createKey } = await graphql<{ createKey: { secret: string } }>('mutation { createKey(input: { name: "rotation" }) { secret } }');
    apiKey = createKey.secret;
    await relay.close();
    relay = null;

    // As stored before key ids existed: v1 values under the current (old) master key.
    oldKey = parseSecretKey((await secrets()).masterKey, 'old');
    const db = await createDatabase({ databaseUrl: null, pglitePath: join(dataDir, 'pglite') });
    for (const [name, credential] of Object.entries(CREDENTIALS) as Array<[keyof typeof CREDENTIALS, string]>) {
      await db.query('UPDATE provider SET credential_sealed = $1 WHERE id = $2', [sealV1(credential, oldKey, providerIds[name]), providerIds[name]]);
    }
    await db.close();
  }, 240_000);

  afterAll(async () => {
    await relay?.close();
    await new Promise((resolve) => upstream?.close(resolve));
    await rm(dataDir, { recursive: true, force: true });
  });

  it('serves the v1 credentials before the rotation', async () => {
    relay = await start();
    const response = await chat('alpha');
    expect(response.status).toBe(200);
    expect(seen.at(-1)).toBe(`Bearer ${CREDENTIALS.Alpha}`);
  }, 120_000);

  it('refuses to rotate while relay start holds the data directory, and changes nothing', async () => {
    const before = await readFile(join(dataDir, 'secrets.json'), 'utf8');
    const cli = spawnRelay('rotate-master-key', { RELAY_DATA_DIR: dataDir });
    expect(await cli.exitCode()).toBe(1);
    expect(cli.stderr()).toMatch(/in use by another relay process \(pid \d+\)\. Stop `relay start` before rotating the master key/);
    expect(await readFile(join(dataDir, 'secrets.json'), 'utf8')).toBe(before);
    await relay!.close();
    relay = null;
  }, 120_000);

  it('re-seals every credential under a new key in one run and prints counts, never a key', async () => {
    const cli = spawnRelay('rotate-master-key', { RELAY_DATA_DIR: dataDir });
    expect(await cli.exitCode()).toBe(0);
    const after = await secrets();
    expect(after.previousMasterKey).toBeUndefined();
    const newKey = parseSecretKey(after.masterKey, 'new');
    expect(newKey.equals(oldKey)).toBe(false);
    expect(cli.stdout()).toContain(`Master key rotated to key id ${secretKeyId(newKey)}.`);
    expect(cli.stdout()).toContain('Credentials re-sealed: 2; already under the new key: 0.');
    const printed = cli.stdout() + cli.stderr();
    for (const key of [oldKey, newKey]) {
      for (const form of [key.toString('hex'), key.toString('hex').toUpperCase(), key.toString('base64'), key.toString('base64url')]) {
        expect(printed).not.toContain(form);
      }
    }

    const rows = await sealedCredentials();
    expect(rows).toHaveLength(2);
    for (const row of rows) {
      expect(sealedKeyId(row.credential_sealed)).toBe(secretKeyId(newKey));
      const name = row.id === providerIds.Alpha ? 'Alpha' : 'Beta';
      expect(openSecret(row.credential_sealed, newKey, `provider:${row.id}`)).toBe(CREDENTIALS[name]);
      // The old key alone no longer opens anything.
      expect(() => openSecret(row.credential_sealed, oldKey, `provider:${row.id}`)).toThrow(/could not be opened/);
    }
  }, 120_000);

  it('external keys: re-seals under RELAY_MASTER_KEY, and a second run with the same keys re-seals nothing', async () => {
    const previous = (await secrets()).masterKey;
    const next = randomBytes(32);
    const env = { RELAY_DATA_DIR: dataDir, RELAY_MASTER_KEY: next.toString('base64'), RELAY_MASTER_KEY_PREVIOUS: previous };
    const first = spawnRelay('rotate-master-key', env);
    expect(await first.exitCode()).toBe(0);
    expect(first.stdout()).toContain('Credentials re-sealed: 2; already under the new key: 0.');
    expect(first.stdout()).toMatch(/once all control planes run the new key, remove RELAY_MASTER_KEY_PREVIOUS/);
    const resealed = await sealedCredentials();
    const second = spawnRelay('rotate-master-key', env);
    expect(await second.exitCode()).toBe(0);
    expect(second.stdout()).toContain('Credentials re-sealed: 0; already under the new key: 2.');
    expect(await sealedCredentials()).toEqual(resealed);
    for (const output of [first.stdout() + first.stderr(), second.stdout() + second.stderr()]) {
      for (const form of [next.toString('hex'), next.toString('base64'), previous]) expect(output).not.toContain(form);
    }
    // The external secrets file is not Relay's to change: the operator now moves the embedded one over.
    expect((await secrets()).masterKey).toBe(previous);
    const { writeFile } = await import('node:fs/promises');
    await writeFile(join(dataDir, 'secrets.json'), JSON.stringify({ ...(await secrets()), masterKey: next.toString('hex') }));
  }, 120_000);

  it('finishes an interrupted rotation instead of starting another, leaving current values alone', async () => {
    // As left by a run interrupted after the re-seal committed: the retired key still in the file.
    const current = await secrets();
    const staged = { ...current, previousMasterKey: oldKey.toString('hex') };
    const { writeFile } = await import('node:fs/promises');
    await writeFile(join(dataDir, 'secrets.json'), JSON.stringify(staged));
    const before = await sealedCredentials();
    const cli = spawnRelay('rotate-master-key', { RELAY_DATA_DIR: dataDir });
    expect(await cli.exitCode()).toBe(0);
    expect(cli.stdout()).toContain('Finishing the master key rotation an earlier run started.');
    expect(cli.stdout()).toContain('Credentials re-sealed: 0; already under the new key: 2.');
    const after = await secrets();
    expect(after.masterKey).toBe(current.masterKey);
    expect(after.previousMasterKey).toBeUndefined();
    expect(await sealedCredentials()).toEqual(before);
  }, 120_000);

  it('the relay started on the new key sends each provider its credential', async () => {
    relay = await start();
    for (const name of ['Alpha', 'Beta'] as const) {
      const response = await chat(name.toLowerCase());
      expect(response.status).toBe(200);
      expect(seen.at(-1)).toBe(`Bearer ${CREDENTIALS[name]}`);
    }
  }, 120_000);
});

describe('issue 7: master key configuration', () => {
  it('accepts RELAY_MASTER_KEY_PREVIOUS for opening only', async () => {
    const { loadControlplaneConfig } = await import('../src/config.ts');
    const base = { RELAY_MASTER_KEY: 'aa'.repeat(32), RELAY_KEY_SECRET: 'k'.repeat(32), RELAY_INTERNAL_TOKEN: 't'.repeat(32) };
    const config = loadControlplaneConfig({ ...base, RELAY_MASTER_KEY_PREVIOUS: 'bb'.repeat(32) });
    expect(config.masterKeyring.current.toString('hex')).toBe('aa'.repeat(32));
    expect(config.masterKeyring.previous.map((k) => k.toString('hex'))).toEqual(['bb'.repeat(32)]);
    expect(() => loadControlplaneConfig({ ...base, RELAY_MASTER_KEY_PREVIOUS: 'short' })).toThrow(/RELAY_MASTER_KEY_PREVIOUS must be 32 bytes/);
  });
});
