import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningRelay } from '@proxystacks/controlplane/runtime/start-relay';
import { priceRequest } from '@proxystacks/shared/pricing/price-request';
import { formatMicrosCents } from '../src/lib/format-micros.ts';
import { buildConsole, chromiumArgs, pollUntil } from './e2e-support.ts';

const CHROMIUM_PATH = '/usr/bin/chromium';
const HAS_CHROMIUM = existsSync(CHROMIUM_PATH);
const PACKAGE_DIR = join(dirname(fileURLToPath(import.meta.url)), '..');
const SCREENSHOT_DIR = join(PACKAGE_DIR, 'e2e', 'screenshots');
/** The demo seed's price for (mock, mock-1), per common.md. */
const DEMO_PRICES = { inputMicrosPerMTok: 150_000, outputMicrosPerMTok: 600_000, cachedInputMicrosPerMTok: 75_000, cacheWriteMicrosPerMTok: null };
const REQUEST_ID = /^req_[0-9a-f]{32}$/;

if (!HAS_CHROMIUM) {
  console.warn(`requests e2e skipped: ${CHROMIUM_PATH} does not exist (install it with: apt-get install -y chromium)`);
}

/** One request made through the data plane, as the client saw it. */
interface Sent {
  requestId: string;
  status: number;
  usage: { prompt_tokens: number; completion_tokens: number } | null;
}

/**
 * The Requests page in Chromium against a whole relay started in this process: requests made
 * with the demo key (one to an unknown model) are listed newest first a page at a time, the
 * error filter keeps only the failure, and the failure's `x-request-id` finds its detail.
 */
describe.skipIf(!HAS_CHROMIUM)('requests page in Chromium', () => {
  let relay: RunningRelay;
  let dataDir: string;
  let userDataDir: string;
  let context: BrowserContext;
  let page: Page;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    await buildConsole(PACKAGE_DIR);
    await mkdir(SCREENSHOT_DIR, { recursive: true });
    dataDir = await mkdtemp(join(tmpdir(), 'relay-requests-e2e-'));
    userDataDir = await mkdtemp(join(tmpdir(), 'relay-requests-chromium-'));
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
      viewport: { width: 1280, height: 900 },
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

  it('lists requests newest first, filters the error and finds it by its request id', async () => {
    const demoKey = relay.demoKey;
    if (demoKey === null) throw new Error('the demo seed did not produce a demo key');
    const sent: Sent[] = [];
    for (let i = 0; i < 6; i++) sent.push(await chat(relay, demoKey, 'relay-mini', false));
    const failed = await chat(relay, demoKey, 'no-such-model', false);
    sent.push(failed);
    sent.push(await chat(relay, demoKey, 'relay-mini', true));
    for (let i = 0; i < 4; i++) sent.push(await chat(relay, demoKey, 'relay-mini', false));
    expect(failed.status).toBe(404);
    expect(sent.filter((s) => s.status !== 200)).toEqual([failed]);
    await waitForEvents(relay, sent.length);

    await signIn(page, relay);
    await page.getByRole('link', { name: 'Requests' }).click();
    await page.getByRole('heading', { name: 'Requests', exact: true }).waitFor();
    await page.getByTestId('range-1h').click();
    await page.getByTestId('request-page-size').selectOption('10');
    const rows = page.getByTestId('requests-table').locator('tbody tr[data-testid^="request-row-"]');
    await pollUntil(async () => ((await rows.count()) === 10 ? true : undefined), 'the first page of 10 requests');

    await page.getByTestId('load-more-requests').click();
    await pollUntil(async () => ((await rows.count()) === sent.length ? true : undefined), 'every request after Load more');
    expect(await page.getByTestId('load-more-requests').count()).toBe(0);
    const listed = await listedRows(page);
    expect(new Set(listed.map((r) => r.requestId))).toEqual(new Set(sent.map((s) => s.requestId)));
    expect(listed).toEqual([...listed].sort(newestFirst));
    // Sent one after another: the last one sent is listed first and the first one last, unless
    // it shares its millisecond with a neighbour (then request_id orders them).
    expect(listed[0]!.requestId === sent.at(-1)!.requestId || listed[0]!.ts === listed[1]!.ts).toBe(true);
    expect(listed.at(-1)!.requestId === sent[0]!.requestId || listed.at(-1)!.ts === listed.at(-2)!.ts).toBe(true);
    await page.screenshot({ path: join(SCREENSHOT_DIR, '08-requests.png'), fullPage: true });

    await page.getByTestId('request-status-filter').selectOption('ERROR');
    await pollUntil(async () => ((await rows.count()) === 1 ? true : undefined), 'only the failed request');
    const errorRow = page.getByTestId(`request-row-${failed.requestId}`);
    expect(await errorRow.locator('[data-column="status"]').textContent()).toBe('404 model_not_found');
    expect(await errorRow.locator('[data-column="model"]').textContent()).toBe('(unknown)');
    await page.screenshot({ path: join(SCREENSHOT_DIR, '09-requests-errors.png'), fullPage: true });

    await page.getByTestId('request-id-input').fill(` ${failed.requestId} `);
    await page.getByTestId('request-search-button').click();
    const detail = page.getByTestId('request-detail');
    await detail.waitFor();
    const fact = async (id: string): Promise<string | null> => detail.getByTestId(`detail-${id}`).textContent();
    expect(await fact('request-id')).toBe(failed.requestId);
    expect(await fact('status')).toBe('404 model_not_found');
    expect(await fact('error-code')).toBe('model_not_found');
    expect(await fact('model')).toBe('(unknown)');
    expect(await fact('cost')).toBe('$0.00');
    expect(await fact('pricing-rule')).toBe('Not priced');
    expect(await fact('snapshot-version')).toMatch(/^version \d+$/);
    expect(new URL(page.url()).searchParams.get('id')).toBe(failed.requestId);
    await page.screenshot({ path: join(SCREENSHOT_DIR, '10-request-error-detail.png'), fullPage: true });

    const streamed = sent.find((s) => s.usage === null && s.status === 200)!;
    // The newest: with 10 rows a page, the oldest is on the second page again after the filter changed.
    const ok = sent.at(-1)!;
    await page.getByTestId('request-status-filter').selectOption('');
    await page.getByRole('button', { name: `Show request ${ok.requestId}` }).click();
    await detail.getByTestId('detail-request-id').filter({ hasText: ok.requestId }).waitFor();
    expect(await fact('status')).toBe('200');
    expect(await fact('error-code')).toBe('—');
    expect(await fact('provider')).toBe('Mock provider (mock)');
    expect(await fact('upstream-model')).toBe('mock-1');
    expect(await fact('stream-end')).toBe('Not streamed');
    expect(await fact('pricing-rule')).toMatch(/, version \d+$/);
    const usage = ok.usage!;
    const costMicros = priceRequest({ promptTokens: usage.prompt_tokens, completionTokens: usage.completion_tokens, cachedTokens: 0, cacheWriteTokens: 0 }, DEMO_PRICES);
    expect(await fact('cost')).toBe(formatMicrosCents(String(costMicros)));
    expect(await fact('tokens')).toContain(`${usage.prompt_tokens} prompt`);
    expect(await fact('latency')).toMatch(/^\d[\d,]* ms$/);

    await page.getByTestId('request-id-input').fill(streamed.requestId);
    await page.getByTestId('request-search-button').click();
    await detail.getByTestId('detail-request-id').filter({ hasText: streamed.requestId }).waitFor();
    expect(await fact('stream-end')).toBe('done');
    expect(await fact('ttft')).toMatch(/^\d[\d,]* ms$/);
    await page.screenshot({ path: join(SCREENSHOT_DIR, '11-request-streamed-detail.png'), fullPage: true });

    await page.getByTestId('request-id-input').fill('req_nope');
    await page.getByTestId('request-search-button').click();
    const bad = page.getByTestId('request-detail-error');
    await bad.waitFor();
    expect(await bad.textContent()).toContain('BAD_USER_INPUT');
    await page.getByTestId('request-id-input').fill(`req_${'0'.repeat(32)}`);
    await page.getByTestId('request-search-button').click();
    await page.getByTestId('request-not-found').waitFor();
    expect(pageErrors).toEqual([]);
  });
});

async function chat(relay: RunningRelay, key: string, model: string, stream: boolean): Promise<Sent> {
  const response = await fetch(`${relay.dataplaneUrl}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify({ model, stream, messages: [{ role: 'user', content: 'Hello from the requests test.' }] }),
  });
  const requestId = response.headers.get('x-request-id') ?? '';
  expect(requestId).toMatch(REQUEST_ID);
  const text = await response.text();
  if (stream || response.status !== 200) return { requestId, status: response.status, usage: null };
  const body = JSON.parse(text) as { usage?: { prompt_tokens: number; completion_tokens: number } };
  return { requestId, status: response.status, usage: body.usage ?? null };
}

/** Events reach ClickHouse in batches (EVENT_FLUSH_INTERVAL_MS): ask the API until all are in. */
async function waitForEvents(relay: RunningRelay, count: number): Promise<void> {
  const now = Date.now();
  await pollUntil(async () => {
    const response = await fetch(`${relay.controlplaneUrl}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${relay.adminToken}` },
      body: JSON.stringify({
        query: 'query($from: DateTime!, $to: DateTime!) { requests(from: $from, to: $to, first: 200) { entries { requestId } } }',
        variables: { from: new Date(now - 3_600_000).toISOString(), to: new Date(now + 3_600_000).toISOString() },
      }),
    });
    const body = (await response.json()) as { data?: { requests: { entries: unknown[] } } };
    return body.data?.requests.entries.length === count ? true : undefined;
  }, `${count} request events in ClickHouse`);
}

async function signIn(page: Page, relay: RunningRelay): Promise<void> {
  await page.goto(`${relay.controlplaneUrl}/sign-in`);
  await page.getByTestId('token-input').fill(relay.adminToken);
  await page.getByTestId('sign-in-button').click();
  await page.getByTestId('viewer-name').filter({ hasText: /\S/ }).waitFor();
}

async function listedRows(page: Page): Promise<Array<{ requestId: string; ts: string }>> {
  return page.getByTestId('requests-table').locator('tbody tr[data-testid^="request-row-"]').evaluateAll((rows) =>
    rows.map((row) => ({
      requestId: row.getAttribute('data-testid')!.slice('request-row-'.length),
      ts: row.querySelector('time')!.getAttribute('datetime')!,
    })),
  );
}

function newestFirst(a: { requestId: string; ts: string }, b: { requestId: string; ts: string }): number {
  if (a.ts !== b.ts) return a.ts < b.ts ? 1 : -1;
  return a.requestId < b.requestId ? 1 : -1;
}
