import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningRelay } from '@proxystacks/controlplane/runtime/start-relay';
import { CHROMIUM_PATH, HAS_CHROMIUM, startConsoleSession, type ConsoleSession } from './e2e-support.ts';

const PACKAGE_DIR = join(dirname(fileURLToPath(import.meta.url)), '..');
/**
 * How long a request may take to appear. The issue asks for "within a second" of the event reaching
 * the control plane; the data plane batches events (EVENT_FLUSH_INTERVAL_MS, 100 ms here), so the
 * bound is generous for a busy CI box while a page that polls or needs a reload never meets it.
 */
const APPEAR_WITHIN_MS = 5_000;

if (!HAS_CHROMIUM) console.warn(`issue 10 live e2e skipped: ${CHROMIUM_PATH} does not exist (apt-get install -y chromium)`);

/**
 * Issue 10: the Live page streams requests over the `requestTail` subscription (SSE): a request
 * sent during the test shows up without a reload, a failure is highlighted, the model filter
 * keeps other models out, and pause holds arrivals until resumed.
 */
describe.skipIf(!HAS_CHROMIUM)('live requests page (issue 10)', () => {
  let session: ConsoleSession;
  let relay: RunningRelay;
  let page: Page;
  let pageErrors: string[];

  beforeAll(async () => {
    session = await startConsoleSession(PACKAGE_DIR, { name: 'issue10-live', env: { EVENT_FLUSH_INTERVAL_MS: '100' } });
    ({ relay, page, pageErrors } = session);
  });

  afterAll(async () => {
    await session?.close();
  });

  it('shows a request sent during the test without a reload, highlights failures, filters and pauses', async () => {
    await page.getByTestId('nav-live').click();
    await page.getByRole('heading', { name: 'Live requests', exact: true }).waitFor();
    expect(await page.title()).toBe('Live requests · ProxyStacks Relay');
    await page.getByTestId('live-status').filter({ hasText: 'Listening' }).waitFor();
    const rows = page.locator('[data-testid="live-table"] tbody tr[data-testid^="request-row-"]');

    const sentAt = Date.now();
    const ok = await chat(relay, 'relay-mini');
    await page.getByTestId(`request-row-${ok}`).waitFor({ timeout: APPEAR_WITHIN_MS });
    console.info(`live: a request appeared ${Date.now() - sentAt} ms after it was sent`);

    const failedAt = Date.now();
    const failed = await chat(relay, 'no-such-model');
    const failedRow = page.getByTestId(`request-row-${failed}`);
    await failedRow.waitFor({ timeout: APPEAR_WITHIN_MS });
    console.info(`live: the next request appeared ${Date.now() - failedAt} ms after it was sent`);
    expect(await failedRow.getAttribute('class')).toContain('row-error');
    expect(await rows.count()).toBe(2);

    await page.getByTestId('live-pause').click();
    const held = await chat(relay, 'relay-mini');
    await page.getByTestId('live-status').filter({ hasText: '1 new request held' }).waitFor({ timeout: APPEAR_WITHIN_MS });
    expect(await page.getByTestId(`request-row-${held}`).count()).toBe(0);
    await page.getByTestId('live-pause').click();
    await page.getByTestId(`request-row-${held}`).waitFor();

    // A model filter (from the URL, as a shared link has it) subscribes to that model's requests only.
    await page.goto(`${relay.controlplaneUrl}/live?model=relay-mini`);
    expect(await page.getByTestId('request-model-filter').inputValue()).toBe('relay-mini');
    await page.getByTestId('live-status').filter({ hasText: 'Listening' }).waitFor();
    const other = await chat(relay, 'no-such-model');
    const mine = await chat(relay, 'relay-mini');
    await page.getByTestId(`request-row-${mine}`).waitFor({ timeout: APPEAR_WITHIN_MS });
    expect(await page.getByTestId(`request-row-${other}`).count()).toBe(0);
    expect(pageErrors).toEqual([]);
  });
});

/** Sends a chat completion with the demo key; answers its `x-request-id`. */
async function chat(relay: RunningRelay, model: string): Promise<string> {
  const response = await fetch(`${relay.dataplaneUrl}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${relay.demoKey}` },
    body: JSON.stringify({ model, messages: [{ role: 'user', content: 'Hello from the live test.' }] }),
  });
  await response.arrayBuffer();
  return response.headers.get('x-request-id') ?? '';
}
