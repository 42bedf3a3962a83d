import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningRelay } from '@proxystacks/controlplane/runtime/start-relay';
import { buildConsole, chromiumArgs, newPage, openKeysFromOverview, ownerGraphql } from './e2e-support.ts';

const CHROMIUM_PATH = '/usr/bin/chromium';
const HAS_CHROMIUM = existsSync(CHROMIUM_PATH);
const PACKAGE_DIR = join(dirname(fileURLToPath(import.meta.url)), '..');
const SCREENSHOT_DIR = join(PACKAGE_DIR, 'e2e', 'screenshots');
const PASSWORD = 'issue seven correct horse battery';

type Role = 'OWNER' | 'ADMIN' | 'ANALYST' | 'VIEWER';

/** What each role sees: navigation entries, and whether the write controls of each page are there. */
const EXPECTED: Record<Role, { label: string; nav: string[]; createKey: boolean; routingWrite: boolean }> = {
  OWNER: { label: 'Owner', nav: ['keys', 'teams', 'spend', 'requests', 'billing', 'routing', 'users', 'tokens', 'audit'], createKey: true, routingWrite: true },
  ADMIN: { label: 'Admin', nav: ['keys', 'teams', 'spend', 'requests', 'billing', 'routing', 'tokens', 'audit'], createKey: true, routingWrite: true },
  ANALYST: { label: 'Analyst', nav: ['keys', 'teams', 'spend', 'requests', 'billing', 'routing', 'audit'], createKey: false, routingWrite: false },
  VIEWER: { label: 'Viewer', nav: ['keys', 'teams', 'spend', 'billing', 'routing'], createKey: false, routingWrite: false },
};
const ALL_NAV = ['keys', 'teams', 'spend', 'requests', 'billing', 'routing', 'users', 'tokens', 'audit'];

/**
 * Issue 7, people and roles in Chromium against a whole relay: the owner token creates a user
 * per role; each opens their one-time set-up link, sets a password, and sees exactly the pages
 * and controls their role may use; signs out and back in with email and password; a
 * team-scoped admin is labelled so and offered only their team; "sign out everywhere" ends the
 * session for good (a reload does not resume it).
 */
describe.skipIf(!HAS_CHROMIUM)('issue 7: signing in as each role in Chromium', () => {
  let relay: RunningRelay;
  let dataDir: string;
  let browser: Browser;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    await buildConsole(PACKAGE_DIR);
    await mkdir(SCREENSHOT_DIR, { recursive: true });
    dataDir = await mkdtemp(join(tmpdir(), 'relay-issue7-roles-'));
    const { startRelay } = await import('@proxystacks/controlplane/runtime/start-relay');
    relay = await startRelay({ dataDir, databaseUrl: null, dataplanePort: 0, controlplanePort: 0, seedDemo: true, logLevel: 'warn' });
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: chromiumArgs() });
  });

  afterAll(async () => {
    await browser?.close();
    await relay?.close();
    if (dataDir !== undefined) await rm(dataDir, { recursive: true, force: true });
  });

  for (const role of ['OWNER', 'ADMIN', 'ANALYST', 'VIEWER'] as const) {
    it(`${role.toLowerCase()}: set-up link, header, visible pages and controls, password sign-in`, async () => {
      const email = `${role.toLowerCase()}@example.com`;
      const { setupUrl } = await createUser(relay, email, role, null);
      const { context, page } = await newPage(browser, pageErrors);
      try {
        await completeSetup(page, relay, setupUrl);
        await expectHeader(page, email, EXPECTED[role].label, false);
        await expectNav(page, EXPECTED[role].nav);
        await page.screenshot({ path: join(SCREENSHOT_DIR, `issue-7-role-${role.toLowerCase()}-keys.png`), fullPage: true });

        // Keys: the create form and the per-key buttons only for roles that may write config.
        await page.getByTestId('keys-table').waitFor();
        expect(await page.getByTestId('create-key-form').count()).toBe(EXPECTED[role].createKey ? 1 : 0);
        const demoRow = page.locator('[data-testid^="key-row-"]').first();
        await demoRow.waitFor();
        expect(await demoRow.locator('[data-testid^="revoke-key-"]').count()).toBe(EXPECTED[role].createKey ? 1 : 0);

        // Routing: forms and row buttons only with organization config:write.
        await page.getByTestId('nav-routing').click();
        await page.getByTestId('snapshot-version').waitFor();
        expect(await page.getByTestId('add-alias-form').count()).toBe(EXPECTED[role].routingWrite ? 1 : 0);
        expect(await page.locator('button[data-testid^="add-route-"]').count() > 0).toBe(EXPECTED[role].routingWrite);

        if (role === 'OWNER') {
          await page.getByTestId('nav-users').click();
          await page.getByTestId('create-user-form').waitFor();
          await page.getByTestId('users-table').getByText(email).waitFor();
        }
        if (role === 'OWNER' || role === 'ADMIN') {
          await page.getByTestId('nav-tokens').click();
          await page.getByTestId('create-token-form').waitFor();
          // Never above your own role: an admin is not offered Owner.
          const roles = await page.getByTestId('new-token-role').locator('option').allTextContents();
          expect(roles).toEqual(role === 'OWNER' ? ['Owner', 'Admin', 'Analyst', 'Viewer'] : ['Admin', 'Analyst', 'Viewer']);
        }
        if (role !== 'VIEWER') {
          await page.getByTestId('nav-audit').click();
          await page.getByTestId('audit-table').waitFor();
        }

        // Sign out, then back in with email and password.
        await page.getByTestId('sign-out').click();
        await page.getByTestId('signed-out').waitFor();
        await page.getByTestId('email-input').fill(email);
        await page.getByTestId('password-input').fill('not the password at all');
        await page.getByTestId('password-sign-in-button').click();
        await page.getByTestId('password-sign-in-error').waitFor();
        await page.getByTestId('password-input').fill(PASSWORD);
        await page.getByTestId('password-sign-in-button').click();
        await expectHeader(page, email, EXPECTED[role].label, false);
        // The session is a cookie: nothing of it in web storage.
        expect(await page.evaluate(() => window.sessionStorage.length + window.localStorage.length)).toBe(0);
        // A reload resumes it (GET /auth/session hands the CSRF token back).
        await page.reload();
        await expectHeader(page, email, EXPECTED[role].label, false);
      } finally {
        await context.close();
      }
      expect(pageErrors).toEqual([]);
    });
  }

  it('a team-scoped admin is labelled so, offered only their team, and sees no organization pages', async () => {
    const teams = (await ownerGraphql<{ teams: { id: string; name: string }[] }>(relay, '{ teams { id name } }')).teams;
    const other = await ownerGraphql<{ createTeam: { id: string; name: string } }>(relay, 'mutation { createTeam(input: { name: "Other team" }) { id name } }');
    const own = teams[0]!;
    const { setupUrl } = await createUser(relay, 'team-admin@example.com', 'ADMIN', own.id);
    const { context, page } = await newPage(browser, pageErrors);
    try {
      await completeSetup(page, relay, setupUrl);
      await expectHeader(page, 'team-admin@example.com', 'Admin', true);
      await expectNav(page, ['keys', 'teams', 'spend', 'requests', 'billing', 'tokens']);
      const offered = await page.getByTestId('key-team-select').locator('option').allTextContents();
      expect(offered).toEqual([own.name]);
      expect(offered).not.toContain(other.createTeam.name);
      await page.screenshot({ path: join(SCREENSHOT_DIR, 'issue-7-role-team-admin.png'), fullPage: true });
    } finally {
      await context.close();
    }
    expect(pageErrors).toEqual([]);
  });

  it('sign out everywhere ends the session for good', async () => {
    const email = 'leaving@example.com';
    const { setupUrl } = await createUser(relay, email, 'VIEWER', null);
    const { context, page } = await newPage(browser, pageErrors);
    const second = await newPage(browser, pageErrors);
    try {
      await completeSetup(page, relay, setupUrl);
      // A second browser signed in as the same user.
      await second.page.goto(`${relay.controlplaneUrl}/sign-in`);
      await second.page.getByTestId('email-input').fill(email);
      await second.page.getByTestId('password-input').fill(PASSWORD);
      await second.page.getByTestId('password-sign-in-button').click();
      await expectHeader(second.page, email, 'Viewer', false);

      await page.getByTestId('sign-out-everywhere').click();
      await page.getByTestId('sign-out-everywhere-dialog-confirm').click();
      await page.getByTestId('signed-out-everywhere').waitFor();
      await page.reload();
      await page.getByTestId('email-input').waitFor();
      // The other browser's next request is refused and it lands on sign-in too.
      await second.page.getByTestId('nav-spend').click();
      await second.page.getByTestId('session-ended').waitFor();
    } finally {
      await context.close();
      await second.context.close();
    }
    expect(pageErrors).toEqual([]);
  });
});

/** Opens the set-up link on this relay (the token is in the fragment), sets the password twice, lands signed in. */
async function completeSetup(page: Page, relay: RunningRelay, setupUrl: string): Promise<void> {
  const fragment = new URL(setupUrl).hash;
  expect(fragment).toMatch(/^#token=\S+/);
  await page.goto(`${relay.controlplaneUrl}/setup${fragment}`);
  await page.getByTestId('setup-password').waitFor();
  // The token leaves the address bar at once.
  expect(new URL(page.url()).hash).toBe('');
  await page.getByTestId('setup-password').fill(PASSWORD);
  await page.getByTestId('setup-password-again').fill(`${PASSWORD}!`);
  await page.getByTestId('setup-submit').click();
  expect(await page.getByTestId('setup-error').textContent()).toContain('not the same');
  await page.getByTestId('setup-password-again').fill(PASSWORD);
  await page.getByTestId('setup-submit').click();
  await openKeysFromOverview(page);
}

async function expectHeader(page: Page, name: string, roleLabel: string, teamScoped: boolean): Promise<void> {
  await page.getByTestId('viewer-role').filter({ hasText: roleLabel }).waitFor();
  expect(await page.getByTestId('viewer-name').textContent()).toContain(name);
  expect(await page.getByTestId('viewer-team-scoped').count()).toBe(teamScoped ? 1 : 0);
}

async function expectNav(page: Page, visible: readonly string[]): Promise<void> {
  await page.getByTestId(`nav-${visible[0]}`).waitFor();
  for (const entry of ALL_NAV) expect(await page.getByTestId(`nav-${entry}`).count(), `nav-${entry}`).toBe(visible.includes(entry) ? 1 : 0);
}

async function createUser(relay: RunningRelay, email: string, role: Role, teamId: string | null): Promise<{ setupUrl: string }> {
  const data = await ownerGraphql<{ createUser: { setupUrl: string } }>(
    relay,
    'mutation($input: CreateUserInput!) { createUser(input: $input) { setupUrl setupExpiresAt user { id } } }',
    { input: { email, name: email.split('@')[0], role, ...(teamId === null ? {} : { teamId }) } },
  );
  return data.createUser;
}
