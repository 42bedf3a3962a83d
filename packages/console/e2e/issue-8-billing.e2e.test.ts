import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningRelay } from '@proxystacks/controlplane/runtime/start-relay';
import { formatMicros } from '../src/lib/format-micros.ts';
import { newPage, ownerGraphql, pollUntil, startConsoleRig, type ConsoleRig } from './e2e-support.ts';

const CHROMIUM_PATH = '/usr/bin/chromium';
const HAS_CHROMIUM = existsSync(CHROMIUM_PATH);
const PACKAGE_DIR = join(dirname(fileURLToPath(import.meta.url)), '..');
const SCREENSHOT_DIR = join(PACKAGE_DIR, 'e2e', 'screenshots');

interface Account {
  id: string;
  kind: string;
  balanceMicros: string;
}

interface Transaction {
  id: string;
  kind: string;
  idempotencyKey: string;
  requestId: string | null;
  pricingRuleVersion: number | null;
  entries: Array<{ accountId: string; amountMicros: string }>;
}

/**
 * Issue 8, the Billing page in Chromium against a whole relay: an admin tops up the
 * organization's balance (a lost answer retried and a double click each post once, because
 * every send from one dialog opening carries its idempotency key), sees a real request's ledger
 * entry with its pricing rule and follows it to the request, mints and redeems a credit code,
 * switches the billing mode behind a confirmation and downloads the ledger CSV; an analyst and a
 * viewer read balances and the ledger without any write control.
 */
describe.skipIf(!HAS_CHROMIUM)('issue 8: billing in the console', () => {
  let rig: ConsoleRig;
  let relay: RunningRelay;
  let browser: Browser;
  let orgAccountId: string;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    await mkdir(SCREENSHOT_DIR, { recursive: true });
    rig = await startConsoleRig(PACKAGE_DIR, 'issue8-billing', CHROMIUM_PATH);
    ({ relay, browser } = rig);
  });

  afterAll(async () => {
    await rig?.close();
  });

  it('an admin tops up once per dialog opening, traces a request, redeems a code and switches the mode', async () => {
    const { context, page } = await newPage(browser, pageErrors);
    const topUpKeys: string[] = [];
    page.on('request', (request) => {
      const body = request.postDataJSON() as { operationName?: string; variables?: { input?: { idempotencyKey?: string } } } | null;
      if (request.url().endsWith('/graphql') && body?.operationName === 'TopUp') topUpKeys.push(body.variables!.input!.idempotencyKey!);
    });
    try {
      await openBilling(page, relay, relay.adminToken);
      expect(await page.getByTestId('billing-mode-value').textContent()).toBe('Postpaid');

      // A bad amount is named in the dialog and nothing is sent.
      await page.getByTestId('open-posting').click();
      const dialog = page.getByTestId('balance-posting-dialog');
      await dialog.getByTestId('posting-amount').fill('5.0000001');
      await dialog.getByTestId('balance-posting-dialog-submit').click();
      expect(await dialog.getByTestId('posting-error').textContent()).toContain('at most 6 decimal places');
      expect(topUpKeys).toEqual([]);

      // The first answer is lost on the way back (the server posted): sending again posts nothing new.
      let dropNextAnswer = true;
      await page.route('**/graphql', async (route) => {
        if (dropNextAnswer && route.request().postDataJSON()?.operationName === 'TopUp') {
          dropNextAnswer = false;
          await route.fetch();
          return route.abort('failed');
        }
        return route.fallback();
      });
      await dialog.getByTestId('posting-amount').fill('5');
      await dialog.getByTestId('balance-posting-dialog-submit').click();
      await dialog.getByTestId('posting-error').filter({ hasText: 'Cannot reach the control plane' }).waitFor();
      await dialog.getByTestId('balance-posting-dialog-submit').click();
      await dialog.waitFor({ state: 'hidden' });
      orgAccountId = (await accounts(relay)).find((a) => a.kind === 'ORGANIZATION')!.id;
      await balanceShows(page, orgAccountId, 5_000_000n);

      // A double click on a new opening posts once too.
      await page.getByTestId(`post-to-${orgAccountId}`).click();
      await dialog.getByTestId('posting-amount').fill('1.25');
      await dialog.getByTestId('posting-memo').fill('double click');
      await dialog.getByTestId('balance-posting-dialog-submit').dblclick();
      await dialog.waitFor({ state: 'hidden' });
      await balanceShows(page, orgAccountId, 6_250_000n);
      const topUps = (await ledger(relay, 'kind: TOP_UP')).filter((t) => t.kind === 'TOP_UP');
      expect(topUps.map((t) => t.entries.find((e) => e.accountId === orgAccountId)!.amountMicros).sort()).toEqual(['1250000', '5000000']);
      // The retry reused its opening's key; the next opening drew another.
      expect(topUpKeys.length).toBeGreaterThanOrEqual(3);
      expect(topUpKeys[1]).toBe(topUpKeys[0]);
      expect(new Set(topUpKeys.slice(2))).toEqual(new Set([topUpKeys.at(-1)]));
      expect(topUpKeys.at(-1)).not.toBe(topUpKeys[0]);
      await page.unroute('**/graphql');

      // Real traffic through the data plane: its REQUEST posting shows with the rule that priced it.
      const requestId = await chat(relay);
      const posted = await pollUntil(async () => (await ledger(relay, `requestId: "${requestId}"`))[0], 'the request in the ledger');
      const costMicros = BigInt(posted.entries.find((e) => e.accountId === orgAccountId)!.amountMicros);
      expect(costMicros).toBeLessThan(0n);
      await page.getByTestId('ledger-kind').selectOption('REQUEST');
      await page.getByTestId('ledger-apply').click();
      const row = page.getByTestId(`ledger-row-${posted.id}`);
      await row.waitFor();
      expect(await row.getByTestId('ledger-pricing').textContent()).toBe(`priced by Mock provider / mock-1 v${posted.pricingRuleVersion}`);
      expect(await row.locator('[data-column="entries"]').textContent()).toContain(formatMicros(costMicros));
      await page.getByTestId('ledger-refresh').click();
      await balanceShows(page, orgAccountId, 6_250_000n + costMicros);
      await page.screenshot({ path: join(SCREENSHOT_DIR, 'issue-8-billing.png'), fullPage: true });

      // A credit code: shown once, redeemed into the organization's account.
      await page.getByTestId('credit-code-amount').fill('2.50');
      await page.getByTestId('credit-code-create-submit').click();
      const code = (await page.getByTestId('credit-code-created-value').textContent())!.trim();
      await page.getByTestId('credit-code-created-dismiss').click();
      await page.getByTestId('credit-code-input').fill(code);
      await page.getByTestId('credit-code-redeem-submit').click();
      await page.getByTestId('credit-code-redeemed').waitFor();
      await balanceShows(page, orgAccountId, 8_750_000n + costMicros);
      // The same redemption again answers the first posting: no second credit.
      await page.getByTestId('credit-code-input').fill(code);
      await page.getByTestId('credit-code-redeem-submit').click();
      await pollUntil(async () => ((await page.getByTestId('credit-code-input').inputValue()) === '' ? true : undefined), 'the second redemption answered');
      expect(await page.getByTestId('credit-code-redeem-error').count()).toBe(0);
      expect(await ledger(relay, 'kind: CREDIT_REDEMPTION')).toHaveLength(1);
      await balanceShows(page, orgAccountId, 8_750_000n + costMicros);

      // The ledger CSV, downloaded with this session's authentication.
      const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('ledger-csv').click()]);
      const csv = await readFile((await download.path())!, 'utf8');
      expect(csv).toContain(requestId);
      expect(csv.split('\n').filter((line) => line.includes('TOP_UP')).length).toBeGreaterThanOrEqual(2);

      // Prepaid behind a confirmation; data planes get it with the next snapshot.
      await page.getByTestId('billing-mode-switch').click();
      await page.getByTestId('billing-mode-dialog-confirm').click();
      await page.getByTestId('billing-mode-value').filter({ hasText: 'Prepaid' }).waitFor();
      await pollUntil(async () => (relay.services.publisher.current().organizations[0]?.billingMode === 'prepaid' ? true : undefined), 'prepaid in the snapshot');

      // The request link opens the request's detail.
      await page.getByTestId(`ledger-request-${requestId}`).click();
      await page.getByTestId('request-detail').waitFor();
      expect(page.url()).toContain(`/requests?id=${requestId}`);

      // The organization's settings on the teams page show its balance and link to its ledger.
      const orgId = (await ownerGraphql<{ organization: { id: string } }>(relay, '{ organization { id } }')).organization.id;
      await page.getByTestId('nav-teams').click();
      await page.getByTestId(`limits-details-organization-${orgId}`).locator('summary').click();
      const balance = page.getByTestId(`limits-organization-${orgId}-balance`);
      await balance.filter({ hasText: formatMicros(8_750_000n + costMicros) }).waitFor();
      await balance.getByRole('link', { name: 'ledger' }).click();
      await page.getByTestId(`ledger-row-${posted.id}`).waitFor();
      expect(await page.getByTestId('ledger-account').inputValue()).toBe(orgAccountId);
    } finally {
      await context.close();
    }
    expect(pageErrors).toEqual([]);
  });

  it('an analyst and a viewer read balances and the ledger without any write control', async () => {
    for (const role of ['ANALYST', 'VIEWER'] as const) {
      const token = (await ownerGraphql<{ createApiToken: { token: string } }>(relay, `mutation { createApiToken(input: { name: "billing ${role}", role: ${role} }) { token } }`)).createApiToken.token;
      const { context, page } = await newPage(browser, pageErrors);
      try {
        await openBilling(page, relay, token);
        await page.getByTestId(`balance-${orgAccountId}`).waitFor();
        await page.locator('[data-testid^="ledger-row-"]').first().waitFor();
        expect(await page.getByTestId('billing-mode-value').textContent()).toBe('Prepaid');
        for (const control of ['open-posting', 'billing-mode-switch', 'credit-codes']) expect(await page.getByTestId(control).count(), `${role} ${control}`).toBe(0);
        expect(await page.locator('[data-testid^="post-to-"]').count()).toBe(0);
        // The Requests page is the analyst's to open, not the viewer's: the id is a link or plain text.
        expect(await page.locator('[data-testid^="ledger-request-"]').count() > 0).toBe(role === 'ANALYST');
      } finally {
        await context.close();
      }
    }
    expect(pageErrors).toEqual([]);
  });
});

async function openBilling(page: Page, relay: RunningRelay, token: string): Promise<void> {
  await page.goto(`${relay.controlplaneUrl}/sign-in`);
  await page.getByTestId('token-input').fill(token);
  await page.getByTestId('sign-in-button').click();
  await page.getByTestId('nav-billing').click();
  await page.getByRole('heading', { name: 'Billing', exact: true }).waitFor();
  await page.getByTestId('billing-mode-value').waitFor();
}

/** Waits until the page shows `micros` as the account's balance, exactly. */
async function balanceShows(page: Page, accountId: string, micros: bigint): Promise<void> {
  await page.getByTestId(`balance-${accountId}`).filter({ hasText: new RegExp(`^${escapeRegExp(formatMicros(micros))}$`) }).waitFor();
}

function escapeRegExp(text: string): string {
  return text.replace(/[$.*+?^()[\]{}|\\]/g, '\\$&');
}

async function accounts(relay: RunningRelay): Promise<Account[]> {
  return (await ownerGraphql<{ ledgerAccounts: Account[] }>(relay, '{ ledgerAccounts { id kind balanceMicros } }')).ledgerAccounts;
}

async function ledger(relay: RunningRelay, filter: string): Promise<Transaction[]> {
  const query = `{ ledgerTransactions(filter: { ${filter} }) { transactions { id kind idempotencyKey requestId pricingRuleVersion entries { accountId amountMicros } } } }`;
  return (await ownerGraphql<{ ledgerTransactions: { transactions: Transaction[] } }>(relay, query)).ledgerTransactions.transactions;
}

/** One chat completion with the demo key through the data plane; answers its x-request-id. */
async function chat(relay: RunningRelay): Promise<string> {
  const response = await fetch(`${relay.dataplaneUrl}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${relay.demoKey}` },
    body: JSON.stringify({ model: 'relay-mini', messages: [{ role: 'user', content: 'what does this cost?' }] }),
  });
  await response.arrayBuffer();
  expect(response.status).toBe(200);
  return response.headers.get('x-request-id')!;
}
