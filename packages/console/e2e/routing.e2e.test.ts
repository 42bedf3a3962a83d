import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningRelay } from '@proxystacks/controlplane/runtime/start-relay';
import { DEPLOYMENT_HEALTH_PATH, type DeploymentHealthReport } from '@proxystacks/shared/health/deployment-health';
import { buildConsole, chromiumArgs, openKeysFromOverview, ownerGraphql, pollUntil } from './e2e-support.ts';

const CHROMIUM_PATH = '/usr/bin/chromium';
const HAS_CHROMIUM = existsSync(CHROMIUM_PATH);
const PACKAGE_DIR = join(dirname(fileURLToPath(import.meta.url)), '..');
const SCREENSHOT_DIR = join(PACKAGE_DIR, 'e2e', 'screenshots');
const PROVIDER_NAME = 'e2e-upstream';
const ALIAS = 'e2e-chat';
const UPSTREAM_MODEL = 'upstream-model-a';
const FIRST_CREDENTIAL = 'sk-upstream-first-0123456789';
const ROTATED_CREDENTIAL = 'sk-upstream-rotated-9876543210';
const UPSTREAM_ANSWER = 'Hello from the fake upstream.';
/**
 * Well under the page's 15 s refresh of health figures: a badge that changes within this was
 * pushed by the subscription (SSE), not picked up by the periodic refetch.
 */
const HEALTH_PUSHED_WITHIN_MS = 10_000;

if (!HAS_CHROMIUM) {
  console.warn(`routing e2e skipped: ${CHROMIUM_PATH} does not exist (install it with: apt-get install -y chromium)`);
}

/** A stand-in OpenAI-compatible server that answers only the bearer credential it currently expects. */
interface FakeUpstream {
  url: string;
  expectedCredential: string;
  /** The `model` of every authorised chat completion request, in order. */
  models: string[];
  /** The `x-title` header of each of those requests ('' when absent): the provider's extra header. */
  titles: string[];
  close(): Promise<void>;
}

async function startFakeUpstream(expectedCredential: string): Promise<FakeUpstream> {
  const state = { expectedCredential, models: [] as string[], titles: [] as string[] };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const send = (status: number, body: unknown): void => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      };
      if (req.method !== 'POST' || req.url !== '/v1/chat/completions') {
        send(404, { error: { message: 'Not found', type: 'invalid_request_error', code: 'not_found' } });
        return;
      }
      if (req.headers.authorization !== `Bearer ${state.expectedCredential}`) {
        send(401, { error: { message: 'Incorrect API key provided.', type: 'invalid_request_error', code: 'invalid_api_key' } });
        return;
      }
      const request = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { model: string };
      state.models.push(request.model);
      state.titles.push(String(req.headers['x-title'] ?? ''));
      send(200, {
        id: 'chatcmpl-e2e',
        object: 'chat.completion',
        created: 1_700_000_000,
        model: request.model,
        choices: [{ index: 0, message: { role: 'assistant', content: UPSTREAM_ANSWER }, finish_reason: 'stop' }],
        usage: { prompt_tokens: 12, completion_tokens: 7, total_tokens: 19 },
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    get expectedCredential() {
      return state.expectedCredential;
    },
    set expectedCredential(value: string) {
      state.expectedCredential = value;
    },
    models: state.models,
    titles: state.titles,
    close: () => new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve()))),
  };
}

/**
 * The routing page in Chromium against a whole relay: a provider, an alias and a price added
 * from the page and used through the data plane; the provider's credential rotated from the
 * page; a route added and removed, and the last route's removal refused.
 */
describe.skipIf(!HAS_CHROMIUM)('routing page in Chromium', () => {
  let relay: RunningRelay;
  let upstream: FakeUpstream;
  let dataDir: string;
  let userDataDir: string;
  let context: BrowserContext;
  let page: Page;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    await buildConsole(PACKAGE_DIR);
    await mkdir(SCREENSHOT_DIR, { recursive: true });
    upstream = await startFakeUpstream(FIRST_CREDENTIAL);
    dataDir = await mkdtemp(join(tmpdir(), 'relay-routing-e2e-'));
    userDataDir = await mkdtemp(join(tmpdir(), 'relay-routing-chromium-'));
    const { startRelay } = await import('@proxystacks/controlplane/runtime/start-relay');
    // The health case drives badges by posting reports itself: the data plane's own board reports only
    // at start (before the test's routes exist) with the interval at its maximum, and never trips (no nudge).
    relay = await startRelay({ dataDir, databaseUrl: null, dataplanePort: 0, controlplanePort: 0, seedDemo: true, logLevel: 'warn', env: { HEALTH_REPORT_INTERVAL_MS: '300000', UPSTREAM_BREAKER_CONSECUTIVE_FAILURES: '1000000', UPSTREAM_BREAKER_MIN_ATTEMPTS: '1000000' } });
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: CHROMIUM_PATH,
      args: chromiumArgs(),
      viewport: { width: 1280, height: 900 },
    });
    context.setDefaultTimeout(15_000);
    page = context.pages()[0] ?? (await context.newPage());
    page.on('pageerror', (error) => pageErrors.push(error.message));
  });

  afterAll(async () => {
    await context?.close();
    await relay?.close();
    await upstream?.close();
    for (const dir of [dataDir, userDataDir]) {
      if (dir !== undefined) await rm(dir, { recursive: true, force: true });
    }
  });

  it('adds a provider, alias and price that route real traffic, rotates the credential and manages routes', async () => {
    await signInToRouting(page, relay);
    const startVersion = await snapshotVersion(page);

    const providerId = await addProvider(page, upstream);
    // Issue 11: the provider was added with HTTP/2 set to Auto on the form.
    const { providers } = await ownerGraphql<{ providers: Array<{ id: string; http2: string }> }>(relay, '{ providers { id http2 } }');
    expect(providers.find((p) => p.id === providerId)?.http2).toBe('AUTO');
    const afterProvider = await waitForVersionAbove(page, startVersion);
    await addAlias(page);
    await addPrice(page);
    await waitForVersionAbove(page, afterProvider);
    await page.screenshot({ path: join(SCREENSHOT_DIR, 'routing-01-configured.png'), fullPage: true });

    await expectChatAnswered(relay);
    expect(upstream.models).toContain(UPSTREAM_MODEL);
    // The OpenRouter preset's attribution header went along with the request.
    expect(upstream.titles).toContain('ProxyStacks Relay');

    upstream.expectedCredential = ROTATED_CREDENTIAL;
    const refused = await callChat(relay);
    expect(refused.status).toBe(502);
    expect(refused.body.error).toMatchObject({ code: 'upstream_auth_failed', type: 'api_error' });
    expect(JSON.stringify(refused.body)).not.toContain(FIRST_CREDENTIAL);

    await rotateCredential(page, providerId);
    await expectChatAnswered(relay);

    await addAndRemoveSecondRoute(page);
    await expectLastRouteRefused(page);

    const html = await page.content();
    expect(html).not.toContain(FIRST_CREDENTIAL);
    expect(html).not.toContain(ROTATED_CREDENTIAL);
    expect(pageErrors).toEqual([]);
  });

  it('turns on the response cache of an alias: the data plane then answers a repeated request without the upstream', async () => {
    const before = await snapshotVersion(page);
    await page.getByTestId(`cache-ttl-${ALIAS}`).fill('60');
    await page.getByTestId(`cache-save-${ALIAS}`).click();
    await waitForVersionAbove(page, before);
    const ask = (content: string) =>
      fetch(`${relay.dataplaneUrl}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${relay.demoKey}` },
        body: JSON.stringify({ model: ALIAS, messages: [{ role: 'user', content }] }),
      });
    // The snapshot reaches the data plane shortly: poll with fresh prompts until the cache is in force.
    let round = 0;
    const miss = await pollUntil(async () => {
      const response = await ask(`Cache round ${++round}`);
      return response.headers.get('x-relay-cache') === 'miss' ? response : undefined;
    }, 'the data plane to apply the cache setting');
    expect(miss.status).toBe(200);
    const upstreamCalls = upstream.models.length;
    const hit = await ask(`Cache round ${round}`);
    expect(hit.headers.get('x-relay-cache')).toBe('hit');
    expect(((await hit.json()) as ChatReply['body']).choices?.[0]?.message?.content).toBe(UPSTREAM_ANSWER);
    expect(upstream.models.length).toBe(upstreamCalls);
    expect(await page.getByTestId(`cache-ttl-${ALIAS}`).inputValue()).toBe('60');
    expect(pageErrors).toEqual([]);
  });

  // Issue 9: batches are also posted to the internal endpoint as another data plane would; the
  // merge shows the worst state of the live reports.
  it('shows each deployment\'s health as a badge: Unknown without a report, then reported states live, with figures and a tooltip', async () => {
    const { modelAliases } = await ownerGraphql<{ modelAliases: Array<{ alias: string; routes: Array<{ id: string; upstreamModel: string; provider: { id: string } }> }> }>(
      relay,
      '{ modelAliases { alias routes { id upstreamModel provider { id } } } }',
    );
    const route = modelAliases.find((a) => a.alias === 'relay-mini')!.routes[0]!;
    const base = { deploymentId: route.id, providerId: route.provider.id, upstreamModel: route.upstreamModel, ttftAvgMs: null, observedAtMs: Date.now() };
    await page.goto(`${relay.controlplaneUrl}/routing`);
    const badge = page.getByTestId(`health-of-route-${route.id}`);
    const inState = (state: string) => page.locator(`[data-testid="health-of-route-${route.id}"][data-state="${state}"]`);
    // `relay start`'s data plane reports its breaker board (every snapshot deployment) at start,
    // so the demo route is already known: never shown as Unknown once a data plane has spoken.
    await page.locator(`[data-testid="health-of-route-${route.id}"]:not([data-state="unknown"])`).waitFor();
    expect(['Online', 'Standby']).toContain(await badge.locator('.badge').textContent());

    await postHealth(relay, [
      { ...base, state: 'down', breaker: 'open', recentAttempts: 8, recentFailures: 6, errorRatePpm: 750_000, consecutiveFailures: 6, latencyAvgMs: 2_345, lastErrorCode: 'upstream_timeout', reopensAtMs: Date.now() + 30_000 },
    ]);
    await inState('down').waitFor({ timeout: HEALTH_PUSHED_WITHIN_MS });
    expect(await badge.locator('.badge').textContent()).toBe('Down');
    expect(await badge.textContent()).toContain('75% errors · 2,345 ms');
    const tooltip = (await badge.getAttribute('title')) ?? '';
    expect(tooltip).toContain('Last error: upstream_timeout.');
    expect(tooltip).toContain('Retried after');
    // The tooltip's text is in the badge for screen readers too, not only on hover.
    expect(await badge.locator('.visually-hidden').textContent()).toContain('Last error: upstream_timeout.');
    await page.getByTestId('aliases-table').screenshot({ path: join(SCREENSHOT_DIR, 'routing-02-health-down.png') });

    await postHealth(relay, [{ ...base, state: 'online', breaker: 'closed', recentAttempts: 20, recentFailures: 0, errorRatePpm: 0, consecutiveFailures: 0, latencyAvgMs: 410, lastErrorCode: '', reopensAtMs: null }]);
    await inState('online').waitFor({ timeout: HEALTH_PUSHED_WITHIN_MS });
    expect(await badge.textContent()).toContain('0% errors · 410 ms');
    expect(pageErrors).toEqual([]);
  });
});

/** Posts one data plane instance's health batch to the relay's internal endpoint, with its internal token. */
async function postHealth(relay: RunningRelay, deployments: DeploymentHealthReport[]): Promise<void> {
  const { loadOrCreateEmbeddedSecrets } = await import('@proxystacks/controlplane/runtime/embedded-secrets');
  const { internalToken } = await loadOrCreateEmbeddedSecrets(dirname(relay.secretsFile));
  const response = await fetch(`${relay.controlplaneUrl}${DEPLOYMENT_HEALTH_PATH}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${internalToken}` },
    body: JSON.stringify({ instanceId: 'e2e-instance', sentAtMs: Date.now(), deployments }),
  });
  expect(response.status).toBe(204);
}

async function signInToRouting(page: Page, relay: RunningRelay): Promise<void> {
  await page.goto(`${relay.controlplaneUrl}/sign-in`);
  await page.getByTestId('token-input').fill(relay.adminToken);
  await page.getByTestId('sign-in-button').click();
  await openKeysFromOverview(page);
  await page.getByRole('link', { name: 'Routing' }).click();
  await page.getByRole('heading', { name: 'Routing', level: 1 }).waitFor();
  await page.getByTestId('snapshot-version').waitFor();
}

async function snapshotVersion(page: Page): Promise<number> {
  const text = (await page.getByTestId('snapshot-version').textContent()) ?? '';
  const match = /version (\d+)/.exec(text);
  if (match === null) throw new Error(`No snapshot version in ${JSON.stringify(text)}`);
  return Number(match[1]);
}

/** The page refetches after each change; the version shown must move past `previous`. */
async function waitForVersionAbove(page: Page, previous: number): Promise<number> {
  return pollUntil(async () => {
    const version = await snapshotVersion(page);
    return version > previous ? version : undefined;
  }, `the snapshot version to pass ${previous}`);
}

async function addProvider(page: Page, upstream: FakeUpstream): Promise<string> {
  const form = page.getByTestId('add-provider-form');
  await form.getByLabel('Name').fill(PROVIDER_NAME);
  await form.getByLabel('Type').selectOption('OPENAI_COMPATIBLE');
  expect(await page.getByTestId('provider-base-url-help').textContent()).toContain('Required');
  await page.getByTestId('add-provider-button').click();
  expect(await page.getByTestId('add-provider-error').textContent()).toContain('needs a base URL');
  expect(await page.getByTestId('provider-base-url-input').getAttribute('aria-invalid')).toBe('true');
  await form.screenshot({ path: join(SCREENSHOT_DIR, 'routing-00-provider-needs-base-url.png') });

  // A preset fills type, base URL and headers; Azure's also asks for the API version.
  await page.getByTestId('provider-preset-select').selectOption('azure-openai');
  expect(await page.getByTestId('provider-api-version-input').inputValue()).toBe('2024-10-21');
  await page.getByTestId('provider-preset-select').selectOption('openrouter');
  expect(await page.getByTestId('provider-base-url-input').inputValue()).toBe('https://openrouter.ai/api/v1');
  expect(await page.getByTestId('provider-headers-input').inputValue()).toContain('X-Title: ProxyStacks Relay');
  expect(await page.getByTestId('provider-api-version-input').count()).toBe(0);
  expect(await form.getByLabel('Name').inputValue()).toBe(PROVIDER_NAME);

  await page.getByTestId('provider-base-url-input').fill(`${upstream.url}/v1`);
  const credential = form.getByLabel('API key');
  expect(await credential.getAttribute('type')).toBe('password');
  await credential.fill(FIRST_CREDENTIAL);
  // HTTP/2 (issue 11): Off unless chosen; this provider gets Auto, and the form goes back to Off.
  const http2 = page.getByTestId('provider-http2-select');
  expect(await http2.inputValue()).toBe('OFF');
  await http2.selectOption('AUTO');
  await page.getByTestId('add-provider-button').click();

  const row = page.locator('[data-testid^="provider-row-"]').filter({ hasText: PROVIDER_NAME });
  await row.waitFor();
  expect(await http2.inputValue()).toBe('OFF');
  expect(await row.locator('[data-column="type"]').textContent()).toBe('OpenAI-compatible');
  expect(await row.locator('[data-column="credential"]').textContent()).toBe('Stored (encrypted)');
  expect(await page.getByTestId('provider-credential-input').inputValue()).toBe('');

  // The server's refusal shows next to the form, with its stable code.
  await form.getByLabel('Name').fill(PROVIDER_NAME);
  await page.getByTestId('provider-base-url-input').fill(`${upstream.url}/v1`);
  await page.getByTestId('add-provider-button').click();
  const duplicate = page.getByTestId('add-provider-error').filter({ hasText: 'already exists' });
  await duplicate.waitFor();
  expect(await duplicate.textContent()).toBe(`A provider named "${PROVIDER_NAME}" already exists.BAD_USER_INPUT`);
  await form.getByLabel('Name').fill('');
  await page.getByTestId('provider-base-url-input').fill('');
  return (await row.getAttribute('data-testid'))!.slice('provider-row-'.length);
}

async function addAlias(page: Page): Promise<void> {
  const form = page.getByTestId('add-alias-form');
  await form.getByLabel('Alias').fill(ALIAS);
  await form.getByLabel('Provider').selectOption({ label: PROVIDER_NAME });
  await form.getByLabel('Upstream model').fill(UPSTREAM_MODEL);
  await page.getByTestId('add-alias-button').click();
  await routeItems(page).first().waitFor();
  expect(await routeItems(page).count()).toBe(1);
  expect(await routeItems(page).first().textContent()).toContain(`${PROVIDER_NAME} → ${UPSTREAM_MODEL}`);
}

async function addPrice(page: Page): Promise<void> {
  const form = page.getByTestId('add-price-form');
  await form.getByLabel('Provider').selectOption({ label: PROVIDER_NAME });
  await form.getByLabel('Upstream model').fill(UPSTREAM_MODEL);
  await form.getByLabel('Input', { exact: true }).fill('0.1500001');
  await form.getByLabel('Output', { exact: true }).fill('0.6');
  await page.getByTestId('add-price-button').click();
  expect(await page.getByTestId('add-price-error').textContent()).toContain('at most 6 decimal places');

  await form.getByLabel('Input', { exact: true }).fill('0.15');
  await form.getByLabel('Cached input').fill('0.075');
  await form.getByLabel('Cache write').fill('0.1875001');
  await page.getByTestId('add-price-button').click();
  expect(await page.getByTestId('add-price-error').textContent()).toContain('Cache write price:');
  await form.getByLabel('Cache write').fill('0.1875');
  await page.getByTestId('add-price-button').click();
  const row = page.locator('[data-testid^="price-row-"]').filter({ hasText: UPSTREAM_MODEL });
  await row.waitFor();
  expect(await row.locator('[data-column="version"]').textContent()).toBe('1');
  expect(await row.locator('[data-column="input"]').textContent()).toBe('$0.150000');
  expect(await row.locator('[data-column="output"]').textContent()).toBe('$0.600000');
  expect(await row.locator('[data-column="cached"]').textContent()).toBe('$0.075000');
  expect(await row.locator('[data-column="cache-write"]').textContent()).toBe('$0.187500');
  expect(await page.getByTestId('add-price-error').count()).toBe(0);
}

async function rotateCredential(page: Page, providerId: string): Promise<void> {
  await page.getByTestId(`rotate-credential-${providerId}`).click();
  const dialog = page.getByTestId('rotate-dialog');
  await dialog.waitFor();
  const input = dialog.getByLabel('New API key');
  expect(await input.getAttribute('type')).toBe('password');
  // The dialog focuses its field on open, so the new key can be typed straight away.
  expect(await input.evaluate((el) => el === document.activeElement)).toBe(true);
  await input.fill(ROTATED_CREDENTIAL);
  await page.screenshot({ path: join(SCREENSHOT_DIR, 'routing-02-rotate-dialog.png') });
  await page.keyboard.press('Enter');
  await dialog.waitFor({ state: 'hidden' });
}

function aliasRow(page: Page): Locator {
  return page.getByTestId(`alias-row-${ALIAS}`);
}

function routeItems(page: Page): Locator {
  return aliasRow(page).locator('[data-testid^="route-"]');
}

async function addAndRemoveSecondRoute(page: Page): Promise<void> {
  await page.getByTestId(`add-route-${ALIAS}`).click();
  const dialog = page.getByTestId('add-route-dialog');
  await dialog.waitFor();
  expect(await dialog.getByLabel('Priority').inputValue()).toBe('1');
  await dialog.getByLabel('Provider').selectOption({ label: PROVIDER_NAME });
  await dialog.getByLabel('Upstream model').fill('upstream-model-b');
  await page.screenshot({ path: join(SCREENSHOT_DIR, 'routing-03-add-route.png') });
  await page.getByTestId('add-route-dialog-submit').click();
  await dialog.waitFor({ state: 'hidden' });
  await pollUntil(async () => ((await routeItems(page).count()) === 2 ? true : undefined), 'the second route to be listed');
  const second = routeItems(page).filter({ hasText: 'upstream-model-b' });
  expect(await second.textContent()).toContain('priority 1, weight 1');

  await second.getByRole('button', { name: /Remove route/ }).click();
  await page.getByTestId('confirm-dialog').waitFor();
  await page.getByTestId('confirm-dialog-confirm').click();
  await page.getByTestId('confirm-dialog').waitFor({ state: 'hidden' });
  await pollUntil(async () => ((await routeItems(page).count()) === 1 ? true : undefined), 'the second route to be removed');
}

async function expectLastRouteRefused(page: Page): Promise<void> {
  await routeItems(page).first().getByRole('button', { name: /Remove route/ }).click();
  await page.getByTestId('confirm-dialog-confirm').click();
  const error = page.getByTestId('confirm-error');
  await error.waitFor();
  expect(await error.textContent()).toContain(`This is the last route of "${ALIAS}"; an alias needs at least one.`);
  expect(await error.textContent()).toContain('BAD_USER_INPUT');
  await page.screenshot({ path: join(SCREENSHOT_DIR, 'routing-04-last-route-refused.png') });
  await page.keyboard.press('Escape');
  await page.getByTestId('confirm-dialog').waitFor({ state: 'hidden' });
  expect(await routeItems(page).count()).toBe(1);
  await page.screenshot({ path: join(SCREENSHOT_DIR, 'routing-05-final.png'), fullPage: true });
}

interface ChatReply {
  status: number;
  body: { choices?: Array<{ message?: { content?: string } }>; error?: { code?: string; type?: string } };
}

async function callChat(relay: RunningRelay): Promise<ChatReply> {
  const response = await fetch(`${relay.dataplaneUrl}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${relay.demoKey}` },
    body: JSON.stringify({ model: ALIAS, messages: [{ role: 'user', content: 'Hello through the new route.' }] }),
  });
  return { status: response.status, body: (await response.json()) as ChatReply['body'] };
}

/** Config reaches the data plane with the next snapshot; poll until the call is answered. */
async function expectChatAnswered(relay: RunningRelay): Promise<void> {
  const reply = await pollUntil(async () => {
    const result = await callChat(relay);
    return result.status === 200 ? result : undefined;
  }, `the data plane to answer ${ALIAS}`);
  expect(reply.body.choices?.[0]?.message?.content).toBe(UPSTREAM_ANSWER);
}
