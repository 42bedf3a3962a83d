import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { createGraphQLClient } from './graphql-client.ts';

const REPO_ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const CLI = 'packages/controlplane/src/cli/relay.ts';
/** The compiled CLI (`pnpm build`), which production runs with `node --conditions=relay-dist`. */
const COMPILED_CLI = 'packages/controlplane/dist/cli/relay.js';

/** A `relay <command>` child process with its output captured line by line. */
export interface RelayProcess {
  child: ChildProcess;
  /** Everything printed on stdout so far. */
  stdout(): string;
  stderr(): string;
  /** Resolves with the first stdout line matching `pattern` (after `after` lines of it). */
  waitForLine(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  /** Resolves with the exit code once the process ends by itself (the signal's name if one killed it). */
  exitCode(): Promise<number | string>;
  /** Sends SIGTERM and resolves with the exit code (the signal's name if one killed it, e.g. a crash). */
  stop(): Promise<number | string>;
}

/**
 * Runs the real CLI the way the README does (`pnpm relay <command>` is `tsx …/relay.ts`), as a
 * separate process, so these tests cover argument parsing, configuration from the environment,
 * the printed banner and graceful shutdown.
 */
export function spawnRelay(command: string, env: Record<string, string>, args: readonly string[] = [], nodeArgs: readonly string[] = []): RelayProcess {
  return spawnRelayProcess(command, [...nodeArgs, '--import', 'tsx', CLI, command, ...args], env);
}

/**
 * {@link spawnRelay} for the compiled build, as production runs it (`node --conditions=relay-dist
 * …/dist/cli/relay.js`; its data plane child then runs compiled too). Benchmarks use it: tsx's
 * loader costs memory and start-up time that production does not pay. Call
 * {@link buildCompiledRelay} first.
 */
export function spawnCompiledRelay(command: string, env: Record<string, string>, args: readonly string[] = []): RelayProcess {
  return spawnRelayProcess(command, ['--conditions=relay-dist', COMPILED_CLI, command, ...args], env);
}

/** `pnpm build`: compiles the server packages to dist from the sources as they are now (a few seconds), its output on stderr. */
export function buildCompiledRelay(): void {
  execFileSync(process.execPath, ['infra/build/build-dist.mjs'], { cwd: REPO_ROOT, stdio: ['ignore', process.stderr, 'inherit'] });
}

function spawnRelayProcess(command: string, nodeArgv: readonly string[], env: Record<string, string>): RelayProcess {
  const child = spawn(process.execPath, nodeArgv, {
    cwd: REPO_ROOT,
    // One data plane process unless a test asks for workers (the default is one per core).
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', LOG_LEVEL: 'warn', DATAPLANE_WORKERS: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
  const exited = once(child, 'exit');

  return {
    child,
    stdout: () => out,
    stderr: () => err,
    async waitForLine(pattern, timeoutMs = 90_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const match = out.split('\n').map((line) => line.match(pattern)).find((m) => m !== null);
        if (match) return match;
        if (child.exitCode !== null) throw new Error(`relay ${command} exited (${child.exitCode}) before printing ${pattern}:\n${err}`);
        if (Date.now() > deadline) throw new Error(`relay ${command} did not print ${pattern} in time:\n${out}\n${err}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
    async exitCode() {
      if (child.exitCode !== null) return child.exitCode;
      if (child.signalCode !== null) return child.signalCode;
      const [code, signal] = (await exited) as [number | null, NodeJS.Signals | null];
      return code ?? signal ?? 'unknown';
    },
    async stop() {
      if (child.exitCode !== null) return child.exitCode;
      if (child.signalCode !== null) return child.signalCode;
      child.kill('SIGTERM');
      const [code, signal] = (await exited) as [number | null, NodeJS.Signals | null];
      return code ?? signal ?? 'unknown';
    },
  };
}

/**
 * Waits for a `relay controlplane` process to announce itself and print the admin token it
 * generated, and returns its URL and a GraphQL client signed in with that token.
 */
export async function connectToControlplane(controlplane: RelayProcess): Promise<{ url: string; graphql: ReturnType<typeof createGraphQLClient> }> {
  const url = (await controlplane.waitForLine(/^Control plane: (http:\/\/\S+)\/ \(GraphQL \S+\/graphql\)$/))[1]!;
  const [adminToken] = await controlplane.waitForLine(/^relay-admin-[0-9A-Za-z]{32,}$/);
  return { url, graphql: createGraphQLClient(`${url}/graphql`, adminToken!) };
}

/**
 * Waits for `relay start`'s banner on a fresh data directory (the admin token is printed whole
 * only by the start that created it) and returns the data plane's and control plane's URLs and a
 * GraphQL client signed in with that token.
 */
export async function connectToRelayStart(relay: RelayProcess): Promise<{ dataplaneUrl: string; controlplaneUrl: string; graphql: ReturnType<typeof createGraphQLClient> }> {
  const dataplaneUrl = (await relay.waitForLine(/^ {2}Data plane \(OpenAI-compatible\):\s+(http:\/\/\S+)\/v1$/))[1]!;
  const controlplaneUrl = (await relay.waitForLine(/^ {2}GraphQL:\s+(http:\/\/\S+)\/graphql$/))[1]!;
  const [adminToken] = await relay.waitForLine(/^relay-admin-[0-9A-Za-z]{32,}$/);
  return { dataplaneUrl, controlplaneUrl, graphql: createGraphQLClient(`${controlplaneUrl}/graphql`, adminToken!) };
}

/** `relay controlplane` seeds nothing: a mock provider behind alias `relay-mini`. Returns the provider id. */
export async function seedMockAlias(graphql: ReturnType<typeof createGraphQLClient>): Promise<string> {
  const { createProvider: provider } = await graphql<{ createProvider: { id: string } }>(
    'mutation($input: CreateProviderInput!) { createProvider(input: $input) { id } }',
    { input: { name: 'Mock', type: 'MOCK' } },
  );
  await graphql('mutation($input: CreateModelAliasInput!) { createModelAlias(input: $input) { id } }', {
    input: { alias: 'relay-mini', routes: [{ providerId: provider.id, upstreamModel: 'mock-1' }] },
  });
  return provider.id;
}
