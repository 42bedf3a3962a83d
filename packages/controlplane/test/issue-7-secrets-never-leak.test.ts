import { createServer, type Server } from 'node:http';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { spawnRelay, type RelayProcess } from './e2e/relay-process.ts';

/**
 * Secrets never reach logs, error messages, snapshots on disk, metrics or GraphQL answers
 * (issue 7). A real `relay start` runs at LOG_LEVEL=debug (the chattiest it gets) with a hostile
 * upstream that echoes the credential it receives in its error bodies; the test drives traffic
 * and every failure path it can reach, then greps everything the relay printed, every file
 * it wrote (PGlite and chDB pages, snapshot, event log, spool), /metrics, /healthz and every
 * GraphQL answer for every secret it knows. The only places a secret may appear are the ones
 * that exist to hand it over once: the first-start banner lines, secrets.json, and the
 * `secret`/`token`/set-up fields of the mutation answers that create them.
 */

const PROVIDER_CREDENTIAL = 'sk-upstream-CANARY0123456789abcdefXYZ';

interface Secrets {
  [name: string]: string;
}

let dataDir: string;
let relay: RelayProcess;
let upstream: Server;
let dataplaneUrl: string;
let controlplaneUrl: string;
const secrets: Secrets = { providerCredential: PROVIDER_CREDENTIAL };
/** Every answer body the test received, except the creating answers that hand a secret over. */
const answers: string[] = [];
/** The banner lines that hand over the first start's secrets, each exactly once. */
const handedOver = new Set<string>();

/** A provider that reflects what it was sent: its error bodies carry the Authorization header. */
async function startEchoingUpstream(): Promise<string> {
  upstream = createServer((req, res) => {
    const auth = req.headers.authorization ?? '';
    req.resume();
    req.on('end', () => {
      const status = req.url?.includes('chat') ? (auth.includes('CANARY') ? 401 : 500) : 404;
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { message: `Incorrect API key provided: ${auth}`, type: 'invalid_request_error', code: 'invalid_api_key' } }));
    });
  });
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(upstream.address() as AddressInfo).port}/v1`;
}

async function graphql<T = Record<string, unknown>>(query: string, variables: Record<string, unknown> = {}, options: { token?: string; handsOverSecret?: boolean } = {}) {
  const response = await fetch(`${controlplaneUrl}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${options.token ?? secrets.adminToken}` },
    body: JSON.stringify({ query, variables }),
  });
  const text = await response.text();
  if (!options.handsOverSecret) answers.push(text);
  return JSON.parse(text) as { data?: T; errors?: unknown[] };
}

async function chat(key: string, body: unknown): Promise<void> {
  const response = await fetch(`${dataplaneUrl}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  answers.push(`${JSON.stringify(Object.fromEntries(response.headers))}\n${await response.text()}`);
}

async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await filesUnder(path)));
    else if (entry.isFile()) out.push(path);
  }
  return out;
}

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'relay-secrets-'));
  const upstreamUrl = await startEchoingUpstream();
  relay = spawnRelay('start', { RELAY_DATA_DIR: dataDir, DATAPLANE_PORT: '0', CONTROLPLANE_PORT: '0', LOG_LEVEL: 'debug' });
  dataplaneUrl = (await relay.waitForLine(/Data plane \(OpenAI-compatible\):\s+(http:\/\/\S+)\/v1$/))[1]!;
  controlplaneUrl = (await relay.waitForLine(/Console:\s+(http:\/\/\S+)\/$/))[1]!;
  const [demoKey] = await relay.waitForLine(/^sk-relay-[0-9A-Za-z]{32,}$/);
  const [adminToken] = await relay.waitForLine(/^relay-admin-[0-9A-Za-z]{32,}$/);
  const [setupUrl] = await relay.waitForLine(/^http:\/\/\S+\/setup#token=(relay-setup-\S+)$/);
  secrets.demoKey = demoKey!;
  secrets.adminToken = adminToken!;
  secrets.setupToken = setupUrl!.split('#token=')[1]!;
  handedOver.add(demoKey!).add(adminToken!).add(setupUrl!);
  const stored = JSON.parse(await readFile(join(dataDir, 'secrets.json'), 'utf8')) as Record<string, string | null>;
  for (const name of ['keySecret', 'masterKey', 'internalToken'] as const) secrets[name] = stored[name]!;

  // A provider with a credential, behind an alias, and a key to call it with.
  const provider = await graphql<{ createProvider: { id: string } }>(
    'mutation($url: String!, $credential: String!) { createProvider(input: { name: "Echo", type: OPENAI_COMPATIBLE, baseUrl: $url, credential: $credential }) { id } }',
    { url: upstreamUrl, credential: PROVIDER_CREDENTIAL },
  );
  const providerId = provider.data!.createProvider.id;
  await graphql('mutation($p: ID!) { createModelAlias(input: { alias: "echo", routes: [{ providerId: $p, upstreamModel: "gpt-x" }] }) { id } }', { p: providerId });
  const key = await graphql<{ createKey: { secret: string; key: { id: string } } }>('mutation { createKey(input: { name: "leak test" }) { secret key { id } } }', {}, { handsOverSecret: true });
  secrets.createdKey = key.data!.createKey.secret;
  const revoked = await graphql<{ createKey: { secret: string; key: { id: string } } }>('mutation { createKey(input: { name: "to revoke" }) { secret key { id } } }', {}, { handsOverSecret: true });
  secrets.revokedKey = revoked.data!.createKey.secret;
  await graphql('mutation($id: ID!) { revokeKey(id: $id) { id } }', { id: revoked.data!.createKey.key.id });

  // Traffic: a good request, and every refusal and failure within reach.
  const message = { model: 'relay-mini', messages: [{ role: 'user', content: 'Hello' }] };
  await chat(secrets.createdKey, message);
  await chat(secrets.createdKey, { ...message, stream: true });
  await chat(secrets.createdKey, { ...message, model: 'echo' });
  await chat(secrets.createdKey, { ...message, model: 'echo', stream: true });
  await chat(`${secrets.createdKey}x`, message);
  await chat(secrets.createdKey.slice(0, -1), message);
  await chat(secrets.revokedKey, message);
  await chat(secrets.adminToken, message);
  await chat(secrets.createdKey, `{"model": "relay-mini", "messages": [${secrets.createdKey}`);
  await chat(secrets.createdKey, { ...message, messages: [{ role: 'user', content: 'mock:fail=500' }] });
  // GraphQL failure paths: a wrong token that looks like the real one, a malformed body, bad input echoing a secret.
  await graphql('{ viewer { id } }', {}, { token: `${secrets.adminToken}0` });
  answers.push(await (await fetch(`${controlplaneUrl}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${secrets.adminToken}` }, body: `{"query": "${secrets.createdKey}` })).text());
  await graphql('mutation($id: ID!) { revokeKey(id: $id) { id } }', { id: secrets.createdKey });
  await graphql('mutation($p: ID!) { updateProvider(id: $p, input: { baseUrl: "http://169.254.169.254/latest", credential: "sk-second-CANARY-abcdefghijklmnop" }) { id } }', { p: providerId });
  secrets.refusedCredential = 'sk-second-CANARY-abcdefghijklmnop';
  // Console sign-in: the owner's set-up link, a wrong and a right password, GraphQL with the session.
  secrets.ownerPassword = 'owner CANARY passphrase 0123456789';
  const auth = async (path: string, body: unknown, headers: Record<string, string> = {}) => {
    const response = await fetch(`${controlplaneUrl}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
    return { text: await response.text(), cookie: /^relay_session=([0-9A-Za-z]+)/.exec(response.headers.get('set-cookie') ?? '')?.[1] };
  };
  const setup = await auth('/auth/setup', { token: secrets.setupToken, password: secrets.ownerPassword });
  secrets.sessionToken = setup.cookie!;
  secrets.csrfToken = (JSON.parse(setup.text) as { csrfToken: string }).csrfToken;
  answers.push((await auth('/auth/setup', { token: secrets.setupToken, password: secrets.ownerPassword })).text);
  answers.push((await auth('/auth/sign-in', { email: 'owner@relay.local', password: `${secrets.ownerPassword}x` })).text);
  answers.push((await auth('/auth/sign-in', { email: secrets.ownerPassword, password: secrets.ownerPassword })).text);
  const cookieHeaders = { cookie: `relay_session=${secrets.sessionToken}`, 'x-csrf-token': secrets.csrfToken };
  for (const csrf of [secrets.csrfToken, 'forged']) {
    const response = await fetch(`${controlplaneUrl}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', ...cookieHeaders, 'x-csrf-token': csrf }, body: JSON.stringify({ query: '{ users { email hasPassword } viewer { name } }' }) });
    answers.push(await response.text());
  }
  answers.push((await auth('/auth/sign-out', {}, cookieHeaders)).text);
  answers.push(await (await fetch(`${dataplaneUrl}/metrics`)).text());
  answers.push(await (await fetch(`${dataplaneUrl}/healthz`)).text());
  answers.push(await (await fetch(`${controlplaneUrl}/healthz`)).text());
  // Let the events reach ClickHouse (and its files) before the relay stops.
  await relay.stop();
}, 240_000);

afterAll(async () => {
  await relay?.stop();
  await new Promise<void>((resolve) => (upstream ? upstream.close(() => resolve()) : resolve()));
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

/** Each place a secret may not be, with the names of the secrets found there. */
function leaks(where: string, text: string): string[] {
  return Object.entries(secrets)
    .filter(([, value]) => value.length >= 16 && text.includes(value))
    .map(([name]) => `${name} in ${where}`);
}

it('no secret in anything the relay printed, beyond the banner lines that hand them over once', () => {
  const lines = `${relay.stdout()}\n${relay.stderr()}`.split('\n');
  for (const line of handedOver) expect(lines.filter((l) => l.trim() === line)).toHaveLength(1);
  // The first-start banner also shows the demo key in a ready-to-run curl example.
  const banner = (l: string) => handedOver.has(l.trim()) || (/^\s*curl /.test(l) && l.includes(secrets.demoKey!));
  const rest = lines.filter((l) => !banner(l)).join('\n');
  if (process.env.DEBUG_LEAKS) console.log(lines.filter((l) => !banner(l) && Object.values(secrets).some((v) => l.includes(v))).map((l) => l.slice(0, 1500)));
  expect(rest).toContain('"level"'); // the debug log really was captured
  expect(leaks('output', rest)).toEqual([]);
});

it('no secret in any GraphQL, chat, metrics or health answer', () => {
  expect(answers.length).toBeGreaterThan(10);
  expect(answers.flatMap((answer, i) => leaks(`answer ${i}`, answer))).toEqual([]);
});

it('no secret in any file the relay wrote (databases, snapshot, event log, spool), secrets.json aside', async () => {
  const found: string[] = [];
  for (const file of await filesUnder(dataDir)) {
    if (relative(dataDir, file) === 'secrets.json') continue;
    if ((await stat(file)).size > 256 * 1024 * 1024) continue;
    found.push(...leaks(relative(dataDir, file), (await readFile(file)).toString('latin1')));
  }
  expect(found).toEqual([]);
});
