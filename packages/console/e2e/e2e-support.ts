import { existsSync } from 'node:fs';
import { mkdtemp, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { build } from 'vite';
import type { RunningRelay } from '@proxystacks/controlplane/runtime/start-relay';

/** Where Debian's `chromium` package puts the browser (ARCHITECTURE.md). */
export const CHROMIUM_PATH = '/usr/bin/chromium';
/** False on a machine without Chromium: the browser tests skip (with a warning) rather than fail. */
export const HAS_CHROMIUM = existsSync(CHROMIUM_PATH);

/** Chromium flags for a quiet, sandbox-free headless run in CI containers (ARCHITECTURE.md). */
export function chromiumArgs(): string[] {
  return [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--no-first-run',
    '--disable-quic',
  ];
}

/**
 * Builds the console into `<packageDir>/dist`, where the control plane serves it from. The
 * build goes to a sibling directory first and is swapped in by two renames, so another test
 * process serving dist/ at the same moment never sees it half written (emptyOutDir would).
 */
export async function buildConsole(packageDir: string): Promise<void> {
  const dist = join(packageDir, 'dist');
  const fresh = join(packageDir, `.dist-build-${process.pid}`);
  const stale = join(packageDir, `.dist-stale-${process.pid}`);
  try {
    await build({
      root: packageDir,
      configFile: join(packageDir, 'vite.config.ts'),
      logLevel: 'warn',
      build: { outDir: fresh, emptyOutDir: true },
    });
  } catch (error) {
    await rm(fresh, { recursive: true, force: true });
    throw error;
  }
  await rename(dist, stale).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== 'ENOENT') throw error;
  });
  await rename(fresh, dist);
  await rm(stale, { recursive: true, force: true });
}

/**
 * Calls `probe` until it returns something other than undefined, at most `attempts` times,
 * `intervalMs` apart. For effects that are asynchronous by design (batched event inserts, a
 * config snapshot reaching the data plane), never as a stand-in for an awaitable signal.
 */
export async function pollUntil<T>(
  probe: () => Promise<T | undefined>,
  what: string,
  attempts = 60,
  intervalMs = 250,
): Promise<T> {
  for (let attempt = 1; attempt <= attempts; attempt++) {
    const value = await probe();
    if (value !== undefined) return value;
    if (attempt < attempts) await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
  throw new Error(`Gave up waiting for ${what} after ${attempts} attempts`);
}

/** A fresh browser context and page (1400×900, 15 s default timeout), with page errors collected into `pageErrors`. */
export async function newPage(browser: Browser, pageErrors: string[]): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  context.setDefaultTimeout(15_000);
  const page = await context.newPage();
  page.on('pageerror', (error) => pageErrors.push(error.message));
  return { context, page };
}

/** Runs a GraphQL operation as the relay's owner token; throws on any GraphQL error. */
export async function ownerGraphql<T>(relay: RunningRelay, query: string, variables: Record<string, unknown> = {}): Promise<T> {
  const response = await fetch(`${relay.controlplaneUrl}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${relay.adminToken}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { data?: T; errors?: unknown };
  if (body.errors !== undefined || body.data === undefined) throw new Error(`GraphQL failed: ${JSON.stringify(body.errors)}`);
  return body.data;
}

/** Sends one non-streamed chat completion for `relay-mini` through the data plane with `secret`; answers the HTTP status. */
export async function chatStatus(relay: RunningRelay, secret: string, content: string): Promise<number> {
  const response = await fetch(`${relay.dataplaneUrl}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${secret}` },
    body: JSON.stringify({ model: 'relay-mini', messages: [{ role: 'user', content }] }),
  });
  await response.arrayBuffer();
  return response.status;
}

/** A relay with the demo seed serving a fresh console build, and a Chromium to drive it. */
export interface ConsoleRig {
  relay: RunningRelay;
  browser: Browser;
  /** Closes the browser and the relay and removes the data directory. */
  close(): Promise<void>;
}

/** A relay started in this process, a Chromium on it signed in as the owner, and how to stop both. */
export interface ConsoleSession {
  relay: RunningRelay;
  context: BrowserContext;
  page: Page;
  /** Uncaught errors of the page, to assert empty. */
  pageErrors: string[];
  close(): Promise<void>;
}

/**
 * Builds the console, starts a whole relay (PGlite, chDB, demo seed, ports 0) in a temporary
 * directory named after `label`, and launches Chromium at `chromiumPath`: one per test file.
 */
export async function startConsoleRig(packageDir: string, label: string, chromiumPath: string): Promise<ConsoleRig> {
  await buildConsole(packageDir);
  const dataDir = await mkdtemp(join(tmpdir(), `relay-${label}-`));
  // Imported here, not at the top, so a skipped file never loads chDB.
  const { startRelay } = await import('@proxystacks/controlplane/runtime/start-relay');
  const relay = await startRelay({ dataDir, databaseUrl: null, dataplanePort: 0, controlplanePort: 0, seedDemo: true, logLevel: 'warn' });
  const browser = await chromium.launch({ executablePath: chromiumPath, args: chromiumArgs() });
  return {
    relay,
    browser,
    async close() {
      await browser.close();
      await relay.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * Builds the console, starts a whole relay (PGlite + chDB, demo seed) on port 0 with `env`, opens
 * Chromium at `viewport` and signs in with the admin token: the set-up of a console e2e file.
 */
export async function startConsoleSession(packageDir: string, options: { name: string; env?: Record<string, string>; viewport?: { width: number; height: number } }): Promise<ConsoleSession> {
  await buildConsole(packageDir);
  const dataDir = await mkdtemp(join(tmpdir(), `relay-${options.name}-`));
  const userDataDir = await mkdtemp(join(tmpdir(), `relay-${options.name}-chromium-`));
  // Imported here, not at the top, so a skipped run never loads chDB.
  const { startRelay } = await import('@proxystacks/controlplane/runtime/start-relay');
  const relay = await startRelay({ dataDir, databaseUrl: null, dataplanePort: 0, controlplanePort: 0, seedDemo: true, logLevel: 'warn', env: options.env });
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM_PATH,
    args: chromiumArgs(),
    viewport: options.viewport ?? { width: 1280, height: 900 },
  });
  context.setDefaultTimeout(15_000);
  const page = context.pages()[0] ?? (await context.newPage());
  const pageErrors: string[] = [];
  page.on('pageerror', (error) => pageErrors.push(error.message));
  await page.goto(`${relay.controlplaneUrl}/sign-in`);
  await page.getByTestId('token-input').fill(relay.adminToken);
  await page.getByTestId('sign-in-button').click();
  await page.getByTestId('viewer-name').filter({ hasText: /\S/ }).waitFor();
  return {
    relay,
    context,
    page,
    pageErrors,
    close: async () => {
      await context.close();
      await relay.close();
      for (const dir of [dataDir, userDataDir]) await rm(dir, { recursive: true, force: true });
    },
  };
}

/**
 * After sign-in or set-up the console lands on its home, the overview; many tests then work on
 * the keys page, so this waits for the overview and opens the keys from the navigation.
 */
export async function openKeysFromOverview(page: Page): Promise<void> {
  await page.getByRole('heading', { name: 'Overview', level: 1 }).waitFor();
  await page.getByTestId('nav-keys').click();
  await page.getByRole('heading', { name: 'API keys' }).waitFor();
}
