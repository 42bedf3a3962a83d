import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningRelay } from '@proxystacks/controlplane/runtime/start-relay';
import { isWellFormedKey } from '@proxystacks/shared/keys/key-format';
import { buildConsole, chatStatus, chromiumArgs, openKeysFromOverview, ownerGraphql, pollUntil } from './e2e-support.ts';

const CHROMIUM_PATH = '/usr/bin/chromium';
const HAS_CHROMIUM = existsSync(CHROMIUM_PATH);
const PACKAGE_DIR = join(dirname(fileURLToPath(import.meta.url)), '..');
const SCREENSHOT_DIR = join(PACKAGE_DIR, 'e2e', 'screenshots');

/**
 * Issue 7, the key form end to end in Chromium against a whole relay: a project and an
 * environment made on the Teams page, a key placed in them with an expiry, an alias allow-list
 * and labels, used through the data plane, disabled and enabled, rotated with a grace period
 * (both secrets work), revoked; a key made without touching the pickers lands in the team that
 * exists; the audit trail shows the changes with their before/after.
 */
describe.skipIf(!HAS_CHROMIUM)('issue 7: key form in Chromium', () => {
  let relay: RunningRelay;
  let dataDir: string;
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    await buildConsole(PACKAGE_DIR);
    await mkdir(SCREENSHOT_DIR, { recursive: true });
    dataDir = await mkdtemp(join(tmpdir(), 'relay-issue7-keys-'));
    const { startRelay } = await import('@proxystacks/controlplane/runtime/start-relay');
    relay = await startRelay({ dataDir, databaseUrl: null, dataplanePort: 0, controlplanePort: 0, seedDemo: true, logLevel: 'warn' });
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: chromiumArgs() });
    const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    context.setDefaultTimeout(15_000);
    page = await context.newPage();
    page.on('pageerror', (error) => pageErrors.push(error.message));
  });

  afterAll(async () => {
    await browser?.close();
    await relay?.close();
    if (dataDir !== undefined) await rm(dataDir, { recursive: true, force: true });
  });

  it('places, limits, labels, disables, rotates and revokes a key from the page', async () => {
    // The bootstrap token is an org owner token: the automation sign-in still works.
    await page.goto(`${relay.controlplaneUrl}/sign-in`);
    await page.getByTestId('token-input').fill(relay.adminToken);
    await page.getByTestId('sign-in-button').click();
    await openKeysFromOverview(page);
    await page.getByTestId('viewer-role').filter({ hasText: 'Owner' }).waitFor();

    // The default placement is the team that exists, whatever its name.
    const firstTeam = (await ownerGraphql<{ teams: { id: string; name: string }[] }>(relay, '{ teams { id name } }')).teams[0]!;
    expect((await page.getByTestId('key-team-select').locator('option:checked').textContent())?.trim()).toBe(firstTeam.name);
    const plain = await createKey(page, 'placed-by-default');
    expect(await plain.row.locator('[data-column="team"]').textContent()).toBe(firstTeam.name);
    expect(await plain.row.locator('[data-column="environment"]').textContent()).toMatch(/\/ production$/);

    // A project and an environment of our own, from the Teams page.
    await page.getByTestId('nav-teams').click();
    await page.getByTestId('create-project-name').fill('web-shop');
    await page.getByTestId('create-project-button').click();
    const projectRow = page.locator('[data-testid^="project-row-"]').filter({ hasText: 'web-shop' });
    await projectRow.waitFor();
    for (const standard of ['production', 'staging', 'development']) await projectRow.getByText(standard, { exact: true }).waitFor();
    const projectId = (await projectRow.getAttribute('data-testid'))!.slice('project-row-'.length);
    await page.getByTestId(`add-environment-name-${projectId}`).fill('Not A Slug!');
    await page.getByTestId(`add-environment-${projectId}`).click();
    await page.getByTestId(`add-environment-error-${projectId}`).waitFor();
    await page.getByTestId(`add-environment-name-${projectId}`).fill('eu-staging');
    await page.getByTestId(`add-environment-${projectId}`).click();
    await projectRow.getByText('eu-staging', { exact: true }).waitFor();
    await page.screenshot({ path: join(SCREENSHOT_DIR, 'issue-7-01-teams.png'), fullPage: true });

    // The key: project, environment, expiry, allow-list, labels.
    await page.getByTestId('nav-keys').click();
    await page.getByTestId('key-name-input').fill('checkout');
    await page.getByTestId('key-project-select').selectOption({ label: 'web-shop' });
    await page.getByTestId('key-environment-select').selectOption({ label: 'eu-staging' });
    await page.getByTestId('key-expiry-select').selectOption('30d');
    await page.getByTestId('key-alias-relay-mini').check();
    await page.getByTestId('add-key-label').click();
    await page.getByTestId('key-label-key-0').fill('cost center');
    await page.getByTestId('create-key-button').click();
    expect(await page.getByTestId('create-key-error').textContent()).toContain('Label keys');
    await page.getByTestId('key-label-key-0').fill('cost-center');
    await page.getByTestId('key-label-value-0').fill('42');
    const key = await createKey(page, null);
    expect(await key.row.locator('[data-column="environment"]').textContent()).toBe('web-shop / eu-staging');
    expect(await key.row.locator('[data-column="labels"]').textContent()).toBe('cost-center=42');
    expect(await key.row.locator('[data-column="aliases"]').textContent()).toBe('relay-mini');
    expect(await key.row.locator('[data-column="expires"]').textContent()).not.toBe('Never');
    await page.screenshot({ path: join(SCREENSHOT_DIR, 'issue-7-02-key-created.png'), fullPage: true });
    expect(await chat(relay, key.secret)).toBe(200);

    // Disable and enable: the data plane follows through the next snapshot.
    await page.getByTestId('dismiss-key-secret').click();
    await page.getByTestId(`disable-key-${key.id}`).click();
    await page.getByTestId(`key-status-${key.id}`).filter({ hasText: 'Disabled' }).waitFor();
    await pollUntil(async () => ((await chat(relay, key.secret)) === 401 ? true : undefined), 'the disabled key to be refused');
    await page.getByTestId(`enable-key-${key.id}`).click();
    await page.getByTestId(`key-status-${key.id}`).filter({ hasText: 'Active' }).waitFor();
    await pollUntil(async () => ((await chat(relay, key.secret)) === 200 ? true : undefined), 'the enabled key to work again');

    // Rotate with a grace period: the new secret is shown once, and both work meanwhile.
    await page.getByTestId(`rotate-key-${key.id}`).click();
    await page.getByTestId('rotate-grace').selectOption(String(3_600));
    await page.getByTestId('rotate-dialog-submit').click();
    const rotated = (await page.getByTestId('key-secret').textContent())?.trim() ?? '';
    expect(isWellFormedKey(rotated)).toBe(true);
    expect(rotated).not.toBe(key.secret);
    expect(await page.getByTestId('key-secret-panel').textContent()).toContain('has a new secret');
    await page.getByTestId(`key-previous-${key.id}`).waitFor();
    await pollUntil(async () => ((await chat(relay, rotated)) === 200 ? true : undefined), 'the rotated secret to work');
    expect(await chat(relay, key.secret)).toBe(200);
    await page.getByTestId('dismiss-key-secret').click();

    // Revoke.
    await page.getByTestId(`revoke-key-${key.id}`).click();
    await page.getByTestId('revoke-dialog-confirm').click();
    await page.getByTestId(`key-status-${key.id}`).filter({ hasText: 'Revoked' }).waitFor();
    expect(await page.getByTestId(`rotate-key-${key.id}`).count()).toBe(0);
    await pollUntil(async () => ((await chat(relay, rotated)) === 401 ? true : undefined), 'the revoked key to be refused');
    await page.screenshot({ path: join(SCREENSHOT_DIR, 'issue-7-03-key-revoked.png'), fullPage: true });

    // The audit trail shows the disable with its before and after.
    await page.getByTestId('nav-audit').click();
    await page.getByTestId('audit-object-type').selectOption('ApiKey');
    await page.getByTestId('audit-action').fill('disableKey');
    await page.getByTestId('audit-apply').click();
    const entry = page.locator('[data-testid^="audit-row-"]').filter({ hasText: key.id });
    await entry.first().waitFor();
    expect(await page.locator('[data-testid^="audit-row-"]').count()).toBe(1);
    await entry.first().locator('[data-testid^="audit-diff-"]').click();
    const status = page.getByTestId('audit-diff').getByTestId('audit-diff-field-status');
    await status.waitFor();
    expect(await status.getAttribute('data-change')).toBe('changed');
    expect(await status.textContent()).toMatch(/ACTIVE.*DISABLED/);
    // Secrets never reach the audit trail: the hash is redacted, and neither secret is anywhere on the page.
    expect(await page.getByTestId('audit-diff').getByTestId('audit-diff-field-hash').textContent()).toBe('hash[redacted][redacted]');
    const text = (await page.content()) ?? '';
    expect(text).not.toContain(key.secret);
    expect(text).not.toContain(rotated);
    await page.screenshot({ path: join(SCREENSHOT_DIR, 'issue-7-04-audit.png'), fullPage: true });
    expect(pageErrors).toEqual([]);
  });
});

/** Submits the key form (with `name` typed first when given) and reads the one-time secret and the new row. */
async function createKey(page: Page, name: string | null): Promise<{ id: string; secret: string; row: ReturnType<Page['locator']> }> {
  const keyName = name ?? (await page.getByTestId('key-name-input').inputValue());
  if (name !== null) await page.getByTestId('key-name-input').fill(name);
  await page.getByTestId('create-key-button').click();
  const secret = (await page.getByTestId('key-secret').textContent())?.trim() ?? '';
  expect(isWellFormedKey(secret)).toBe(true);
  const row = page.locator('[data-testid^="key-row-"]').filter({ has: page.locator('[data-column="name"]', { hasText: new RegExp(`^${keyName}$`) }) });
  await row.waitFor();
  const id = (await row.getAttribute('data-testid'))!.slice('key-row-'.length);
  return { id, secret, row };
}

function chat(relay: RunningRelay, secret: string): Promise<number> {
  return chatStatus(relay, secret, 'Hello from issue 7.');
}
