import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningRelay } from '@proxystacks/controlplane/runtime/start-relay';
import { displayPrefix, isWellFormedKey } from '@proxystacks/shared/keys/key-format';
import { priceRequest } from '@proxystacks/shared/pricing/price-request';
import { formatMicrosCents } from '../src/lib/format-micros.ts';
import { buildConsole, chromiumArgs, openKeysFromOverview, pollUntil } from './e2e-support.ts';

const CHROMIUM_PATH = '/usr/bin/chromium';
const HAS_CHROMIUM = existsSync(CHROMIUM_PATH);
const PACKAGE_DIR = join(dirname(fileURLToPath(import.meta.url)), '..');
const SCREENSHOT_DIR = join(PACKAGE_DIR, 'e2e', 'screenshots');
/** The demo seed's price for (mock, mock-1), per common.md. */
const DEMO_PRICES = { inputMicrosPerMTok: 150_000, outputMicrosPerMTok: 600_000, cachedInputMicrosPerMTok: 75_000, cacheWriteMicrosPerMTok: null };

if (!HAS_CHROMIUM) {
  console.warn(`console e2e skipped: ${CHROMIUM_PATH} does not exist (install it with: apt-get install -y chromium)`);
}

/**
 * The built console in Chromium against a whole relay started in this process: sign-in (bad
 * and good token), a key created, used through the data plane and revoked from the page, its
 * spend shown, and a rejected token signing the user out.
 */
describe.skipIf(!HAS_CHROMIUM)('console in Chromium', () => {
  let relay: RunningRelay;
  let dataDir: string;
  let userDataDir: string;
  let context: BrowserContext;
  let page: Page;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    // Build from the current sources so the test never drives a stale dist/.
    await buildConsole(PACKAGE_DIR);
    await mkdir(SCREENSHOT_DIR, { recursive: true });
    dataDir = await mkdtemp(join(tmpdir(), 'relay-console-e2e-'));
    userDataDir = await mkdtemp(join(tmpdir(), 'relay-console-chromium-'));
    // Imported here, not at the top, so a skipped run never loads chDB.
    const { startRelay } = await import('@proxystacks/controlplane/runtime/start-relay');
    relay = await startRelay({
      dataDir,
      databaseUrl: null,
      dataplanePort: 0,
      controlplanePort: 0,
      seedDemo: true,
      logLevel: 'warn',
    });
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: CHROMIUM_PATH,
      args: chromiumArgs(),
      viewport: { width: 1280, height: 800 },
    });
    context.setDefaultTimeout(15_000);
    page = context.pages()[0] ?? (await context.newPage());
    page.on('pageerror', (error) => pageErrors.push(error.message));
  });

  afterAll(async () => {
    await context?.close();
    await relay?.close();
    for (const dir of [dataDir, userDataDir]) {
      if (dir !== undefined) await rm(dir, { recursive: true, force: true });
    }
  });

  it('signs in, creates, uses and revokes a key, and shows its spend', async () => {
    await signIn(page, relay);
    const key = await createKeyFromPage(page, 'e2e-key');
    const usage = await callDataplane(relay, key.secret);
    await revokeKeyFromPage(page, key.id);
    await expectKeyRefused(relay, key.secret);
    await expectSpendRow(page, key, usage);
    await page.getByRole('link', { name: 'Routing' }).click();
    await page.getByTestId('aliases-table').getByText('relay-mini', { exact: true }).waitFor();
    await page.screenshot({ path: join(SCREENSHOT_DIR, '06-routing.png'), fullPage: true });
    expect(await page.evaluate(() => window.localStorage.length)).toBe(0);
    expect(pageErrors).toEqual([]);
  });

  it('signs out when the control plane rejects the stored token', async () => {
    await page.goto(`${relay.controlplaneUrl}/sign-in`);
    await page.evaluate(() => window.sessionStorage.setItem('proxystacks-relay.admin-token', 'not-a-valid-token'));
    await page.goto(`${relay.controlplaneUrl}/spend`);
    await page.getByTestId('session-ended').waitFor();
    expect(new URL(page.url()).pathname).toBe('/sign-in');
    expect(await page.evaluate(() => window.sessionStorage.getItem('proxystacks-relay.admin-token'))).toBeNull();
    await page.screenshot({ path: join(SCREENSHOT_DIR, '07-session-ended.png'), fullPage: true });
    expect(pageErrors).toEqual([]);
  });
});

async function signIn(page: Page, relay: RunningRelay): Promise<void> {
  await page.goto(`${relay.controlplaneUrl}/`);
  await page.getByTestId('token-input').waitFor();
  expect(new URL(page.url()).pathname).toBe('/sign-in');
  await page.screenshot({ path: join(SCREENSHOT_DIR, '01-sign-in.png'), fullPage: true });

  await page.getByTestId('token-input').fill('definitely-not-the-admin-token');
  await page.getByTestId('sign-in-button').click();
  const error = page.getByTestId('sign-in-error');
  await error.waitFor();
  expect(await error.textContent()).toContain('That admin token was not accepted.');
  await page.screenshot({ path: join(SCREENSHOT_DIR, '02-sign-in-rejected.png'), fullPage: true });

  await page.getByTestId('token-input').fill(relay.adminToken);
  await page.getByTestId('sign-in-button').click();
  // Home after sign-in is the overview.
  await page.getByRole('heading', { name: 'Overview', level: 1 }).waitFor();
  expect(new URL(page.url()).pathname).toBe('/');
  await openKeysFromOverview(page);
  expect(new URL(page.url()).pathname).toBe('/keys');
  await page.getByTestId('viewer-name').filter({ hasText: /\S/ }).waitFor();
}

async function createKeyFromPage(page: Page, name: string): Promise<{ id: string; secret: string; name: string }> {
  await page.getByTestId('create-key-button').click();
  expect(await page.getByTestId('create-key-error').textContent()).toContain('Give the key a name');

  await page.getByTestId('key-name-input').fill(name);
  await page.getByTestId('create-key-button').click();
  const secret = (await page.getByTestId('key-secret').textContent())?.trim() ?? '';
  expect(isWellFormedKey(secret)).toBe(true);
  expect(await page.getByTestId('key-secret-panel').textContent()).toContain('You will not see it again.');

  const row = page.locator('[data-testid^="key-row-"]').filter({ hasText: name });
  await row.waitFor();
  const id = (await row.getAttribute('data-testid'))!.slice('key-row-'.length);
  expect(await row.locator('[data-column="prefix"]').textContent()).toBe(`${displayPrefix(secret)}…`);
  expect(await page.getByTestId(`key-status-${id}`).textContent()).toBe('Active');
  await page.screenshot({ path: join(SCREENSHOT_DIR, '03-keys-created.png'), fullPage: true });
  return { id, secret, name };
}

interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
}

async function callDataplane(relay: RunningRelay, secret: string): Promise<Usage> {
  const response = await fetch(`${relay.dataplaneUrl}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${secret}` },
    body: JSON.stringify({ model: 'relay-mini', messages: [{ role: 'user', content: 'Hello from the console test.' }] }),
  });
  const body = (await response.json()) as { object?: string; usage?: Usage };
  expect(response.status, JSON.stringify(body)).toBe(200);
  expect(body.object).toBe('chat.completion');
  expect(body.usage?.prompt_tokens).toBeGreaterThan(0);
  return body.usage!;
}

async function revokeKeyFromPage(page: Page, keyId: string): Promise<void> {
  await page.getByTestId('dismiss-key-secret').click();
  expect(await page.getByTestId('key-secret').count()).toBe(0);
  await page.getByTestId(`revoke-key-${keyId}`).click();
  const dialog = page.getByTestId('revoke-dialog');
  await dialog.waitFor();
  expect(await dialog.textContent()).toContain('This cannot be undone.');
  await page.getByTestId('revoke-dialog-confirm').click();
  await page.getByTestId(`key-status-${keyId}`).filter({ hasText: 'Revoked' }).waitFor();
  expect(await page.getByTestId(`revoke-key-${keyId}`).count()).toBe(0);
  await page.screenshot({ path: join(SCREENSHOT_DIR, '04-keys-revoked.png'), fullPage: true });
}

async function expectKeyRefused(relay: RunningRelay, secret: string): Promise<void> {
  // Revocation reaches the data plane through the next config snapshot; poll briefly for it.
  const status = await pollUntil(
    async () => {
      const response = await fetch(`${relay.dataplaneUrl}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${secret}` },
        body: JSON.stringify({ model: 'relay-mini', messages: [{ role: 'user', content: 'Still there?' }] }),
      });
      const body = (await response.json()) as { error?: { code?: string; type?: string } };
      return response.status === 401 ? body : undefined;
    },
    'the data plane to refuse the revoked key',
  );
  expect(status.error).toMatchObject({ code: 'api_key_revoked', type: 'invalid_request_error' });
}

async function expectSpendRow(page: Page, key: { id: string; name: string }, usage: Usage): Promise<void> {
  await page.getByRole('link', { name: 'Spend' }).click();
  await page.getByTestId('range-1h').click();
  const row = page.getByTestId('spend-by-key').getByTestId(`spend-key-row-${key.id}`);
  // Events reach ClickHouse in batches (EVENT_FLUSH_INTERVAL_MS): refresh until the row is there.
  await pollUntil(async () => {
    await page.getByTestId('refresh-spend').click();
    // The button is disabled while the query is in flight (set synchronously by the click).
    await page.locator('[data-testid="refresh-spend"]:not([disabled])').waitFor();
    // One answered request, plus the refusals of the revoked key (recorded against it since issue 7),
    // which add requests but no tokens or cost.
    return (await row.count()) > 0 && Number(await row.locator('[data-column="requests"]').textContent()) >= 1 ? true : undefined;
  }, 'the spend row of the new key');
  const cell = async (column: string): Promise<string | null> => row.locator(`[data-column="${column}"]`).textContent();
  expect(await cell('key')).toContain(key.name);
  expect(await cell('prompt-tokens')).toBe(usage.prompt_tokens.toLocaleString('en-US'));
  expect(await cell('completion-tokens')).toBe(usage.completion_tokens.toLocaleString('en-US'));
  const costMicros = priceRequest(
    { promptTokens: usage.prompt_tokens, completionTokens: usage.completion_tokens, cachedTokens: 0, cacheWriteTokens: 0 },
    DEMO_PRICES,
  );
  expect(await cell('cost')).toBe(formatMicrosCents(String(costMicros)));
  expect(await page.getByTestId('spend-by-model').getByTestId('spend-model-row-relay-mini').count()).toBe(1);
  await page.screenshot({ path: join(SCREENSHOT_DIR, '05-spend.png'), fullPage: true });
}
