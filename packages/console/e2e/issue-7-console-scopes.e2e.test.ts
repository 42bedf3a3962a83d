import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningRelay } from '@proxystacks/controlplane/runtime/start-relay';
import { formatMicrosCents } from '../src/lib/format-micros.ts';
import { formatCount } from '../src/lib/format-number.ts';
import { buildConsole, chatStatus, chromiumArgs, openKeysFromOverview, ownerGraphql as graphql, pollUntil } from './e2e-support.ts';

const CHROMIUM_PATH = '/usr/bin/chromium';
const HAS_CHROMIUM = existsSync(CHROMIUM_PATH);
const PACKAGE_DIR = join(dirname(fileURLToPath(import.meta.url)), '..');
const SCREENSHOT_DIR = join(PACKAGE_DIR, 'e2e', 'screenshots');
const PASSWORD = 'issue seven scopes horse battery';
const DAY_MS = 86_400_000;
/** Requests sent with each key before the pages are checked. */
const PRODUCTION_REQUESTS = 3;
const STAGING_REQUESTS = 2;

interface Tree {
  teams: Array<{ id: string; name: string; projects: Array<{ id: string; name: string; environments: Array<{ id: string; name: string }> }> }>;
}
interface SpendRowFigures {
  requests: number;
  costMicros: string;
  keyId: string | null;
  projectId: string | null;
  environmentId: string | null;
}
interface SpendAnswer {
  spend: { totals: SpendRowFigures; rows: SpendRowFigures[] };
}

/**
 * Issue 7, the console's remaining scope controls end to end in Chromium against a whole relay:
 * traffic from keys in two environments of two projects; the spend page filtered by project and
 * by environment and grouped by environment shows exactly what the GraphQL API answers, and keeps
 * its filters over a reload; the requests page filters by environment; a key's name, labels,
 * allowed aliases and expiry are edited (and re-read over GraphQL), a refused edit says why, and
 * the key is disabled and enabled; a staging-only route is added and shown with its environment;
 * the mock provider is limited to production, after which staging traffic has no route.
 */
describe.skipIf(!HAS_CHROMIUM)('issue 7: console scopes in Chromium', () => {
  let relay: RunningRelay;
  let dataDir: string;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const pageErrors: string[] = [];
  /** The `web-shop` project made for this test, its staging environment, and a key there. */
  let shop: { teamId: string; projectId: string; stagingId: string; keyId: string; secret: string };
  let demoKey: string;

  beforeAll(async () => {
    await buildConsole(PACKAGE_DIR);
    await mkdir(SCREENSHOT_DIR, { recursive: true });
    dataDir = await mkdtemp(join(tmpdir(), 'relay-issue7-scopes-'));
    const { startRelay } = await import('@proxystacks/controlplane/runtime/start-relay');
    relay = await startRelay({ dataDir, databaseUrl: null, dataplanePort: 0, controlplanePort: 0, seedDemo: true, logLevel: 'warn' });
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: chromiumArgs() });
    context = await browser.newContext({ viewport: { width: 1500, height: 1000 } });
    context.setDefaultTimeout(15_000);
    page = await context.newPage();
    page.on('pageerror', (error) => pageErrors.push(error.message));
  });

  afterAll(async () => {
    await browser?.close();
    await relay?.close();
    if (dataDir !== undefined) await rm(dataDir, { recursive: true, force: true });
  });

  it('sends traffic from a production key and a staging key of another project', async () => {
    if (relay.demoKey === null) throw new Error('the demo seed did not produce a demo key');
    demoKey = relay.demoKey;
    const team = (await graphql<Tree>(relay, TREE)).teams[0]!;
    const project = (
      await graphql<{ createProject: { id: string } }>(relay, 'mutation($input: CreateProjectInput!) { createProject(input: $input) { id } }', {
        input: { teamId: team.id, name: 'web-shop' },
      })
    ).createProject;
    const tree = await graphql<Tree>(relay, TREE);
    const staging = tree.teams.flatMap((t) => t.projects).find((p) => p.id === project.id)!.environments.find((e) => e.name === 'staging')!;
    const created = await graphql<{ createKey: { secret: string; key: { id: string } } }>(
      relay,
      'mutation($input: CreateKeyInput!) { createKey(input: $input) { secret key { id } } }',
      { input: { name: 'shop-staging', environmentId: staging.id } },
    );
    shop = { teamId: team.id, projectId: project.id, stagingId: staging.id, keyId: created.createKey.key.id, secret: created.createKey.secret };

    // The new key reaches the data plane with the next snapshot.
    await pollUntil(async () => ((await chat(relay, shop.secret)) === 200 ? true : undefined), 'the staging key to work');
    for (let i = 1; i < STAGING_REQUESTS; i++) expect(await chat(relay, shop.secret)).toBe(200);
    for (let i = 0; i < PRODUCTION_REQUESTS; i++) expect(await chat(relay, demoKey)).toBe(200);
    await pollUntil(
      async () => ((await spendOver(relay, 'PROJECT', {})).spend.totals.requests === PRODUCTION_REQUESTS + STAGING_REQUESTS ? true : undefined),
      'every request event in ClickHouse',
    );
  });

  it('filters spend by project and by environment, groups it by environment, and keeps the filters over a reload', async () => {
    await signInWithToken(page, relay);
    await page.getByTestId('nav-spend').click();
    // The router swaps pages once the new one is ready; until then the old page (whose range and
    // scope controls share these test ids) takes the clicks, and its navigation cancels this one.
    await page.getByRole('heading', { name: 'Spend', exact: true }).waitFor();
    await page.getByTestId('range-1h').click();

    // Only the viewer's teams and projects are offered (the owner sees every team).
    const teams = (await graphql<Tree>(relay, TREE)).teams;
    expect(await page.getByTestId('scope-team').locator('option').allTextContents()).toEqual(['All teams', ...teams.map((t) => t.name)]);

    await page.getByTestId('scope-project').selectOption({ label: teams.length > 1 ? `${teams[0]!.name} / web-shop` : 'web-shop' });
    await expectUrlParam(page, 'project', shop.projectId);
    const byProject = await spendOver(relay, 'PROJECT', { projectId: shop.projectId });
    expect(byProject.spend.totals.requests).toBe(STAGING_REQUESTS);
    await expectSpendTable(page, 'spend-by-scope', 'project', byProject, (row) => row.projectId);
    await expectSpendTable(page, 'spend-by-key', 'key', await spendOver(relay, 'KEY', { projectId: shop.projectId }), (row) => row.keyId);

    // One environment name across every project: the demo key's production only.
    await page.getByTestId('scope-project').selectOption({ label: 'All projects' });
    await page.getByTestId('scope-environment').selectOption('production');
    await expectUrlParam(page, 'env', 'production');
    await expectUrlParam(page, 'project', null);
    const production = await spendOver(relay, 'PROJECT', { environment: 'production' });
    expect(production.spend.totals.requests).toBe(PRODUCTION_REQUESTS);
    await expectSpendTable(page, 'spend-by-scope', 'project', production, (row) => row.projectId);

    // Grouped by environment, unfiltered: one row per project environment with traffic.
    await page.getByTestId('scope-environment').selectOption({ label: 'All environments' });
    await page.getByTestId('spend-group-by').selectOption('environment');
    await expectUrlParam(page, 'group', 'environment');
    const byEnvironment = await spendOver(relay, 'ENVIRONMENT', {});
    expect(byEnvironment.spend.rows.map((row) => row.environmentId)).toContain(shop.stagingId);
    expect(byEnvironment.spend.rows).toHaveLength(2);
    await expectSpendTable(page, 'spend-by-scope', 'environment', byEnvironment, (row) => row.environmentId);
    expect(await page.getByTestId(`spend-environment-row-${shop.stagingId}`).locator('[data-column="environment"]').textContent()).toContain('staging');

    // A link with a filter and a grouping shows the same after a reload.
    await page.getByTestId('scope-environment').selectOption('staging');
    await expectUrlParam(page, 'env', 'staging');
    await page.reload();
    await page.getByTestId('spend-by-scope').waitFor();
    expect(await page.getByTestId('scope-environment').inputValue()).toBe('staging');
    expect(await page.getByTestId('spend-group-by').inputValue()).toBe('environment');
    expect(await page.getByTestId('range-1h').getAttribute('aria-pressed')).toBe('true');
    const stagingOnly = await spendOver(relay, 'ENVIRONMENT', { environment: 'staging' });
    expect(stagingOnly.spend.totals.requests).toBe(STAGING_REQUESTS);
    await expectSpendTable(page, 'spend-by-scope', 'environment', stagingOnly, (row) => row.environmentId);
    await page.screenshot({ path: join(SCREENSHOT_DIR, 'issue-7-scopes-01-spend.png'), fullPage: true });

    // A link naming a project the viewer cannot see is shown unfiltered rather than refused.
    await page.goto(`${relay.controlplaneUrl}/spend?range=1h&project=00000000-0000-4000-8000-000000000000`);
    await expectSpendTable(page, 'spend-by-scope', 'project', await spendOver(relay, 'PROJECT', {}), (row) => row.projectId);
    expect(await page.getByTestId('spend-error').count()).toBe(0);
  });

  it('filters the request log by environment', async () => {
    await page.getByTestId('nav-requests').click();
    await page.getByRole('heading', { name: 'Requests', exact: true }).waitFor();
    await page.getByTestId('range-1h').click();
    await page.getByTestId('scope-environment').selectOption('staging');
    await expectUrlParam(page, 'env', 'staging');
    const now = Date.now();
    const answer = await graphql<{ requests: { entries: Array<{ requestId: string }> } }>(
      relay,
      'query($from: DateTime!, $to: DateTime!) { requests(from: $from, to: $to, environment: "staging", first: 200) { entries { requestId } } }',
      { from: new Date(now - 3_600_000).toISOString(), to: new Date(now + 3_600_000).toISOString() },
    );
    expect(answer.requests.entries).toHaveLength(STAGING_REQUESTS);
    const rows = page.getByTestId('requests-table').locator('tbody tr[data-testid^="request-row-"]');
    await pollUntil(async () => ((await rows.count()) === STAGING_REQUESTS ? true : undefined), 'only the staging requests');
    const listed = await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-testid')!.slice('request-row-'.length)));
    expect(new Set(listed)).toEqual(new Set(answer.requests.entries.map((e) => e.requestId)));
    for (const scope of await rows.locator('[data-column="scope"]').allTextContents()) expect(scope).toBe('web-shop / staging');
    await page.reload();
    await pollUntil(async () => ((await rows.count()) === STAGING_REQUESTS ? true : undefined), 'the staging filter after a reload');
  });

  it("edits a key's name, labels, allowed aliases and expiry, then disables and enables it", async () => {
    await page.getByTestId('nav-keys').click();
    await page.getByTestId(`edit-key-${shop.keyId}`).click();
    const dialog = page.getByTestId('edit-key-dialog');
    await dialog.waitFor();
    expect(await page.getByTestId('edit-key-name-input').inputValue()).toBe('shop-staging');
    await page.getByTestId('edit-key-name-input').fill('shop-staging-v2');
    await page.getByTestId('add-edit-key-label').click();
    await page.getByTestId('edit-key-label-key-0').fill('cost-center');
    await page.getByTestId('edit-key-label-value-0').fill('42');
    await page.getByTestId('edit-key-alias-relay-mini').check();
    await page.getByTestId('edit-key-expiry-select').selectOption('30d');
    const savedAt = Date.now();
    await page.getByTestId('edit-key-dialog-submit').click();
    const row = page.getByTestId(`key-row-${shop.keyId}`);
    await row.locator('[data-column="labels"]', { hasText: 'cost-center=42' }).waitFor();
    expect(await dialog.isVisible()).toBe(false);
    expect(await row.locator('[data-column="name"]').textContent()).toBe('shop-staging-v2');
    expect(await row.locator('[data-column="aliases"]').textContent()).toBe('relay-mini');
    let stored = await storedKey(relay, shop.keyId);
    expect(stored).toMatchObject({ name: 'shop-staging-v2', labels: [{ key: 'cost-center', value: '42' }], allowedAliases: ['relay-mini'] });
    expect(Date.parse(stored.expiresAt!)).toBeGreaterThanOrEqual(savedAt + 30 * DAY_MS - 60_000);
    expect(Date.parse(stored.expiresAt!)).toBeLessThanOrEqual(Date.now() + 30 * DAY_MS);
    await page.screenshot({ path: join(SCREENSHOT_DIR, 'issue-7-scopes-02-key-edited.png'), fullPage: true });

    // Opening it again starts from what is stored and keeps the expiry; Never clears it, labels can go.
    await page.getByTestId(`edit-key-${shop.keyId}`).click();
    expect(await page.getByTestId('edit-key-expiry-select').inputValue()).toBe('keep');
    expect(await page.getByTestId('edit-key-label-value-0').inputValue()).toBe('42');
    await page.getByTestId('edit-key-label-remove-0').click();
    await page.getByTestId('edit-key-expiry-select').selectOption('never');
    await page.getByTestId('edit-key-dialog-submit').click();
    await row.locator('[data-column="expires"]', { hasText: 'Never' }).waitFor();
    stored = await storedKey(relay, shop.keyId);
    expect(stored).toMatchObject({ name: 'shop-staging-v2', labels: [], allowedAliases: ['relay-mini'], expiresAt: null });

    // Disable and enable, as the API sees it.
    await page.getByTestId(`disable-key-${shop.keyId}`).click();
    await page.getByTestId(`key-status-${shop.keyId}`).filter({ hasText: 'Disabled' }).waitFor();
    expect((await storedKey(relay, shop.keyId)).status).toBe('DISABLED');
    await page.getByTestId(`enable-key-${shop.keyId}`).click();
    await page.getByTestId(`key-status-${shop.keyId}`).filter({ hasText: 'Active' }).waitFor();
    expect((await storedKey(relay, shop.keyId)).status).toBe('ACTIVE');
    expect(pageErrors).toEqual([]);
  });

  it('shows the server refusing an edit whose writer lost the role meanwhile', async () => {
    const email = 'team-admin@example.com';
    const created = await graphql<{ createUser: { setupUrl: string; user: { grants: Array<{ id: string }> } } }>(
      relay,
      'mutation($input: CreateUserInput!) { createUser(input: $input) { setupUrl user { grants { id } } } }',
      { input: { email, name: 'Team admin', role: 'ADMIN', teamId: shop.teamId } },
    );
    const second = await browser.newContext({ viewport: { width: 1500, height: 1000 } });
    second.setDefaultTimeout(15_000);
    const adminPage = await second.newPage();
    adminPage.on('pageerror', (error) => pageErrors.push(error.message));
    try {
      await adminPage.goto(`${relay.controlplaneUrl}/setup${new URL(created.createUser.setupUrl).hash}`);
      await adminPage.getByTestId('setup-password').fill(PASSWORD);
      await adminPage.getByTestId('setup-password-again').fill(PASSWORD);
      await adminPage.getByTestId('setup-submit').click();
      await adminPage.getByTestId('viewer-team-scoped').waitFor();
      await openKeysFromOverview(adminPage);
      await adminPage.getByTestId(`edit-key-${shop.keyId}`).click();
      // A team admin may not list the organization's aliases: the allow-list is shown, not offered.
      expect(await adminPage.getByTestId('edit-key-aliases').textContent()).toContain('Only relay-mini');
      await adminPage.getByTestId('add-edit-key-label').click();
      await adminPage.getByTestId('edit-key-label-key-0').fill('owner');
      await adminPage.getByTestId('edit-key-label-value-0').fill('shop');

      await graphql(relay, 'mutation($grantId: ID!) { revokeRole(grantId: $grantId) { id } }', { grantId: created.createUser.user.grants[0]!.id });
      await adminPage.getByTestId('edit-key-dialog-submit').click();
      const refusal = adminPage.getByTestId('edit-key-error');
      await refusal.waitFor();
      expect(await refusal.locator('.error-code').textContent()).toBe('forbidden');
      expect(await adminPage.getByTestId('edit-key-dialog').isVisible()).toBe(true);
      await adminPage.screenshot({ path: join(SCREENSHOT_DIR, 'issue-7-scopes-03-edit-refused.png'), fullPage: true });
      expect((await storedKey(relay, shop.keyId)).labels).toEqual([]);
    } finally {
      await second.close();
    }
  });

  it('adds a staging-only route, limits the provider to production, and the data plane follows', async () => {
    await page.getByTestId('nav-routing').click();
    await page.getByTestId(`add-route-relay-mini`).click();
    await page.getByTestId('add-route-model').fill('mock-1');
    await page.getByTestId('add-route-environment').selectOption('staging');
    await page.getByTestId('add-route-dialog-submit').click();
    const routes = async () =>
      (
        await graphql<{ modelAliases: Array<{ alias: string; routes: Array<{ id: string; environment: string | null; provider: { id: string } }> }> }>(
          relay,
          '{ modelAliases { alias routes { id environment provider { id } } } }',
        )
      ).modelAliases.find((a) => a.alias === 'relay-mini')!.routes;
    const stagingRoute = await pollUntil(async () => (await routes()).find((r) => r.environment === 'staging'), 'the staging route');
    expect(await page.getByTestId(`environment-of-route-${stagingRoute.id}`).textContent()).toBe('staging');
    const everyRoute = (await routes()).find((r) => r.environment === null)!;
    expect(await page.getByTestId(`environment-of-route-${everyRoute.id}`).textContent()).toBe('all environments');

    const providerId = stagingRoute.provider.id;
    expect(await page.getByTestId(`provider-environments-${providerId}`).textContent()).toBe('All');
    await page.getByTestId(`edit-provider-environments-${providerId}`).click();
    await page.getByTestId('provider-environment-production').check();
    await page.getByTestId('provider-environments-dialog-submit').click();
    await page.getByTestId(`provider-environments-${providerId}`).filter({ hasText: 'production' }).waitFor();
    const providers = await graphql<{ providers: Array<{ id: string; enabledEnvironments: string[] }> }>(relay, '{ providers { id enabledEnvironments } }');
    expect(providers.providers.find((p) => p.id === providerId)!.enabledEnvironments).toEqual(['production']);
    await page.screenshot({ path: join(SCREENSHOT_DIR, 'issue-7-scopes-04-routing.png'), fullPage: true });

    // The only provider now serves production alone: the staging key has no route left, production still works.
    await pollUntil(async () => ((await chat(relay, shop.secret)) !== 200 ? true : undefined), 'staging traffic to lose its provider');
    expect(await chat(relay, demoKey)).toBe(200);
    expect(pageErrors).toEqual([]);
  });
});

const TREE = '{ teams { id name projects { id name environments { id name } } } }';

/** The spend report the page should show, straight from the API. */
async function spendOver(
  relay: RunningRelay,
  groupBy: 'KEY' | 'PROJECT' | 'ENVIRONMENT',
  filter: { projectId?: string; environment?: string },
): Promise<SpendAnswer> {
  const now = Date.now();
  return graphql<SpendAnswer>(
    relay,
    `query($from: DateTime!, $to: DateTime!, $groupBy: SpendGroupBy!, $projectId: ID, $environment: String) {
      spend(from: $from, to: $to, groupBy: $groupBy, projectId: $projectId, environment: $environment) {
        totals { requests costMicros keyId projectId environmentId }
        rows { requests costMicros keyId projectId environmentId }
      }
    }`,
    { from: new Date(now - 3_600_000).toISOString(), to: new Date(now + 3_600_000).toISOString(), groupBy, ...filter },
  );
}

/** Waits until the table shows exactly the answer's rows and totals (requests and cost, as the console formats them). */
async function expectSpendTable(page: Page, testId: string, group: string, answer: SpendAnswer, rowId: (row: SpendRowFigures) => string | null): Promise<void> {
  const table = page.getByTestId(testId);
  const expected = {
    rows: Object.fromEntries(answer.spend.rows.map((row) => [`spend-${group}-row-${rowId(row) ?? 'unknown'}`, figures(row)])),
    totals: figures(answer.spend.totals),
  };
  let shown: unknown;
  try {
    // The events are all in before the page is asked: only the re-render is waited for, never a refresh.
    await pollUntil(async () => {
      shown = await shownFigures(table);
      return JSON.stringify(shown) === JSON.stringify(expected) ? true : undefined;
    }, `${testId} to show the API's figures`);
  } catch {
    expect(shown).toEqual(expected);
  }
}

function figures(row: SpendRowFigures): { requests: string; cost: string } {
  return { requests: formatCount(row.requests), cost: formatMicrosCents(row.costMicros) };
}

async function shownFigures(table: Locator): Promise<{ rows: Record<string, { requests: string; cost: string }>; totals: { requests: string; cost: string } }> {
  const rows = await table.locator('tbody tr[data-testid]').evaluateAll((trs) =>
    trs.map((tr) => [
      tr.getAttribute('data-testid')!,
      {
        requests: tr.querySelector('[data-column="requests"]')?.textContent ?? '',
        cost: tr.querySelector('[data-column="cost"]')?.textContent ?? '',
      },
    ]),
  );
  const foot = table.locator('tfoot');
  const totals =
    (await foot.count()) === 0
      ? { requests: formatCount(0), cost: formatMicrosCents('0') }
      : { requests: (await foot.locator('[data-column="requests"]').textContent()) ?? '', cost: (await foot.locator('[data-column="cost"]').textContent()) ?? '' };
  return { rows: Object.fromEntries(rows) as Record<string, { requests: string; cost: string }>, totals };
}

async function expectUrlParam(page: Page, name: string, value: string | null): Promise<void> {
  await pollUntil(async () => (new URL(page.url()).searchParams.get(name) === value ? true : undefined), `?${name}=${value ?? '(none)'} in the address bar`);
}

async function storedKey(
  relay: RunningRelay,
  id: string,
): Promise<{ name: string; status: string; expiresAt: string | null; allowedAliases: string[]; labels: Array<{ key: string; value: string }> }> {
  const data = await graphql<{ keys: Array<{ id: string; name: string; status: string; expiresAt: string | null; allowedAliases: string[]; labels: Array<{ key: string; value: string }> }> }>(
    relay,
    '{ keys { id name status expiresAt allowedAliases labels { key value } } }',
  );
  const key = data.keys.find((k) => k.id === id);
  if (key === undefined) throw new Error(`no key ${id}`);
  const { id: _id, ...rest } = key;
  return rest;
}

async function signInWithToken(page: Page, relay: RunningRelay): Promise<void> {
  await page.goto(`${relay.controlplaneUrl}/sign-in`);
  await page.getByTestId('token-input').fill(relay.adminToken);
  await page.getByTestId('sign-in-button').click();
  await page.getByTestId('viewer-role').filter({ hasText: 'Owner' }).waitFor();
}

function chat(relay: RunningRelay, secret: string): Promise<number> {
  return chatStatus(relay, secret, 'Hello from the scopes test.');
}
