import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningRelay } from '@proxystacks/controlplane/runtime/start-relay';
import { buildConsole, chromiumArgs, newPage, openKeysFromOverview, ownerGraphql, pollUntil } from './e2e-support.ts';

const CHROMIUM_PATH = '/usr/bin/chromium';
const HAS_CHROMIUM = existsSync(CHROMIUM_PATH);
const PACKAGE_DIR = join(dirname(fileURLToPath(import.meta.url)), '..');
const SCREENSHOT_DIR = join(PACKAGE_DIR, 'e2e', 'screenshots');

interface DemoKey {
  id: string;
  name: string;
  team: { id: string; name: string };
  project: { id: string };
  environment: { id: string };
}

/**
 * Issue 8, limits and budgets in Chromium against a whole relay: an admin sets a key's rate
 * limits and a daily budget from the keys page and sees the usage bar of the current window
 * (the ledger's spend), the time to reset and the alert history; sets the organization's time
 * zone and a team's limits on the teams page; a viewer sees the same figures without a form.
 */
describe.skipIf(!HAS_CHROMIUM)('issue 8: limits and budgets in the console', () => {
  let relay: RunningRelay;
  let dataDir: string;
  let browser: Browser;
  let demo: DemoKey;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    await buildConsole(PACKAGE_DIR);
    await mkdir(SCREENSHOT_DIR, { recursive: true });
    dataDir = await mkdtemp(join(tmpdir(), 'relay-issue8-budgets-'));
    const { startRelay } = await import('@proxystacks/controlplane/runtime/start-relay');
    relay = await startRelay({ dataDir, databaseUrl: null, dataplanePort: 0, controlplanePort: 0, seedDemo: true, logLevel: 'warn' });
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: chromiumArgs() });
    demo = (await ownerGraphql<{ keys: DemoKey[] }>(relay, '{ keys { id name team { id name } project { id } environment { id } } }')).keys[0]!;
    // Spend of the demo key today, as the ledger posts a request (funding −c, provider spend +c).
    await postRequestSpend(relay, demo, 300_000n);
  });

  afterAll(async () => {
    await browser?.close();
    await relay?.close();
    if (dataDir !== undefined) await rm(dataDir, { recursive: true, force: true });
  });

  it("an admin sets a key's limits and budget, and sees its usage, reset and alerts", async () => {
    const { context, page } = await newPage(browser, pageErrors);
    try {
      await signIn(page, relay, relay.adminToken);
      const panel = await openKeyLimits(page, demo.id);
      const rate = panel.getByTestId(`limits-key-${demo.id}-rate`);

      // A bad value is named next to the form and nothing is sent.
      await rate.getByTestId(`limits-key-${demo.id}-rate-requestsPerMinute-input`).fill('0');
      await rate.getByTestId(`limits-key-${demo.id}-rate-save`).click();
      expect(await rate.getByTestId(`limits-key-${demo.id}-rate-error`).textContent()).toContain('Requests per minute');
      await rate.getByTestId(`limits-key-${demo.id}-rate-requestsPerMinute-input`).fill('60');
      await rate.getByTestId(`limits-key-${demo.id}-rate-concurrentRequests-input`).fill('3');
      await rate.getByTestId(`limits-key-${demo.id}-rate-save`).click();
      await rate.getByTestId(`limits-key-${demo.id}-rate-requestsPerMinute`).filter({ hasText: '60' }).waitFor();
      expect(await rate.getByTestId(`limits-key-${demo.id}-rate-tokensPerMinute`).textContent()).toBe('no limit');

      // A daily budget of $1.00 with alerts: the ledger's $0.30 today shows as 30 %.
      const budgetForm = panel.getByTestId(`limits-key-${demo.id}-budget-form`);
      await budgetForm.getByTestId(`limits-key-${demo.id}-budget-period`).selectOption('DAY');
      await budgetForm.getByTestId(`limits-key-${demo.id}-budget-amount`).fill('1.00');
      await budgetForm.getByTestId(`limits-key-${demo.id}-budget-thresholds`).fill('80, 25, 80');
      await budgetForm.getByTestId(`limits-key-${demo.id}-budget-submit`).click();
      const row = panel.locator('[data-testid^="budget-row-"]').first();
      await row.waitFor();
      const budgetId = (await row.getAttribute('data-testid'))!.slice('budget-row-'.length);
      await row.getByTestId(`budget-usage-${budgetId}-percent`).filter({ hasText: '30%' }).waitFor();
      expect(await row.textContent()).toContain('25%, 80%');
      expect(await row.getByTestId(`budget-resets-${budgetId}`).textContent()).toMatch(/^in (\d+h \d+m|\d+m|under a minute)$/);

      // The quota service records a crossed threshold: it shows in the history.
      const budget = (await ownerGraphql<{ budgets: Array<{ id: string; currentWindow: { start: string; end: string } }> }>(relay, '{ budgets(scope: KEY) { id currentWindow { start end } } }')).budgets[0]!;
      await relay.services.recordBudgetAlert(relay.services.db.prisma, {
        budgetId: budget.id,
        windowStart: Date.parse(budget.currentWindow.start),
        windowEnd: Date.parse(budget.currentWindow.end),
        thresholdPercent: 25,
        spentMicros: 300_000n,
        amountMicros: 1_000_000n,
      });
      await page.reload();
      const reopened = await openKeyLimits(page, demo.id);
      const alert = reopened.locator('[data-testid^="budget-alert-"]').first();
      await alert.waitFor();
      expect(await alert.textContent()).toContain('25%');
      await page.screenshot({ path: join(SCREENSHOT_DIR, 'issue-8-key-limits.png'), fullPage: true });

      // What the page did is what the server has.
      const saved = await ownerGraphql<{ rateLimits: unknown[]; budgets: unknown[] }>(
        relay,
        'query($id: ID!) { rateLimits(scope: KEY, scopeId: $id) { requestsPerMinute tokensPerMinute concurrentRequests } budgets(scopeId: $id) { period amountMicros alertThresholds } }',
        { id: demo.id },
      );
      expect(saved).toEqual({
        rateLimits: [{ requestsPerMinute: 60, tokensPerMinute: null, concurrentRequests: 3 }],
        budgets: [{ period: 'DAY', amountMicros: '1000000', alertThresholds: [25, 80] }],
      });
    } finally {
      await context.close();
    }
    expect(pageErrors).toEqual([]);
  });

  it("an admin sets the organization's time zone and a team's limits on the teams page", async () => {
    const { context, page } = await newPage(browser, pageErrors);
    try {
      await signIn(page, relay, relay.adminToken);
      await page.getByTestId('nav-teams').click();
      await page.getByTestId('organization-settings').waitFor();
      await page.getByTestId('time-zone-input').fill('Mars/Olympus_Mons');
      await page.getByTestId('time-zone-save').click();
      await page.getByTestId('time-zone-error').waitFor();
      await page.getByTestId('time-zone-input').fill('Europe/Berlin');
      await page.getByTestId('time-zone-save').click();
      await page.getByTestId('organization-time-zone').filter({ hasText: 'Europe/Berlin' }).waitFor();

      await page.getByTestId(`limits-details-team-${demo.team.id}`).locator('summary').click();
      const team = page.getByTestId(`limits-team-${demo.team.id}-rate`);
      await team.getByTestId(`limits-team-${demo.team.id}-rate-tokensPerMinute-input`).fill('100000');
      await team.getByTestId(`limits-team-${demo.team.id}-rate-save`).click();
      await team.getByTestId(`limits-team-${demo.team.id}-rate-tokensPerMinute`).filter({ hasText: '100,000' }).waitFor();
      await page.screenshot({ path: join(SCREENSHOT_DIR, 'issue-8-team-limits.png'), fullPage: true });
      // Data planes get the new limits: the served snapshot carries them.
      await pollUntil(async () => (relay.services.publisher.current().rateLimits.some((l) => l.scopeId === demo.team.id && l.tokensPerMinute === 100_000) ? true : undefined), 'the team limit in the snapshot');
      expect(relay.services.publisher.current().organizations[0]?.timeZone).toBe('Europe/Berlin');
    } finally {
      await context.close();
    }
    expect(pageErrors).toEqual([]);
  });

  it('a viewer sees limits, usage and alerts without any form', async () => {
    const created = await ownerGraphql<{ createApiToken: { token: string } }>(relay, 'mutation { createApiToken(input: { name: "issue 8 viewer", role: VIEWER }) { token } }');
    const { context, page } = await newPage(browser, pageErrors);
    try {
      await signIn(page, relay, created.createApiToken.token);
      const panel = await openKeyLimits(page, demo.id);
      await panel.getByTestId(`limits-key-${demo.id}-rate-requestsPerMinute`).filter({ hasText: '60' }).waitFor();
      await panel.locator('[data-testid^="budget-alert-"]').first().waitFor();
      expect(await panel.getByTestId(`limits-key-${demo.id}-rate-form`).count()).toBe(0);
      expect(await panel.getByTestId(`limits-key-${demo.id}-budget-form`).count()).toBe(0);
      expect(await panel.locator('[data-testid^="delete-budget-"]').count()).toBe(0);
    } finally {
      await context.close();
    }
    expect(pageErrors).toEqual([]);
  });
});

async function signIn(page: Page, relay: RunningRelay, token: string): Promise<void> {
  await page.goto(`${relay.controlplaneUrl}/sign-in`);
  await page.getByTestId('token-input').fill(token);
  await page.getByTestId('sign-in-button').click();
  await openKeysFromOverview(page);
}

async function openKeyLimits(page: Page, keyId: string) {
  await page.getByTestId(`key-limits-${keyId}`).click();
  const panel = page.getByTestId('key-limits-panel');
  await panel.getByTestId(`limits-key-${keyId}-rate`).waitFor();
  return panel;
}

/** A REQUEST posting of `costMicros` for the key, now, as the ledger writes one. */
async function postRequestSpend(relay: RunningRelay, key: DemoKey, costMicros: bigint): Promise<void> {
  const prisma = relay.services.db.prisma;
  const orgId = (await prisma.apiKey.findUniqueOrThrow({ where: { id: key.id } })).orgId;
  const account = (kind: 'ORGANIZATION' | 'PROVIDER_SPEND') => prisma.ledgerAccount.upsert({ where: { orgId_kind_scopeId: { orgId, kind, scopeId: '' } }, create: { orgId, kind }, update: {} });
  const [funding, spend] = [await account('ORGANIZATION'), await account('PROVIDER_SPEND')];
  const occurredAt = new Date();
  await prisma.ledgerTransaction.create({
    data: {
      orgId,
      idempotencyKey: `request:req_${randomBytes(8).toString('hex')}`,
      kind: 'REQUEST',
      occurredAt,
      teamId: key.team.id,
      projectId: key.project.id,
      environmentId: key.environment.id,
      keyId: key.id,
      entries: { create: [{ accountId: funding.id, amountMicros: -costMicros, occurredAt }, { accountId: spend.id, amountMicros: costMicros, occurredAt }] },
    },
  });
}
