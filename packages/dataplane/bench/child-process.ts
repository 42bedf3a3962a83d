import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

/**
 * Bench children (the data plane, the standalone mock upstream) run in their own Node
 * processes so the load generator never shares their event loop. Each prints one JSON line
 * on stdout once it is listening; every child started here is killed when the bench exits,
 * fails or is interrupted.
 */
export interface BenchChild<Info> {
  readonly info: Info;
  readonly pid: number;
  /** Asks the child to stop (SIGTERM), waits for it, and SIGKILLs it after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

const running = new Set<ChildProcess>();
let hooksInstalled = false;

function installExitHooks(): void {
  if (hooksInstalled) return;
  hooksInstalled = true;
  const killAll = () => {
    for (const child of running) child.kill('SIGKILL');
    running.clear();
  };
  process.on('exit', killAll);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(signal, () => {
      killAll();
      process.exit(130);
    });
  }
}

/**
 * Starts a bench child: a `.ts` script through tsx, a compiled `.js` one (compiledBenchScript)
 * with plain node and the packages' dist condition.
 */
export async function startChild<Info>(
  script: string,
  options: { env?: Record<string, string>; nodeArgs?: string[]; startTimeoutMs?: number } = {},
): Promise<BenchChild<Info>> {
  installExitHooks();
  const loader = script.endsWith('.js') ? ['--conditions=relay-dist'] : ['--import', 'tsx'];
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), ...loader, script], {
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  running.add(child);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  void exited.then(() => running.delete(child));

  const info = await new Promise<Info>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${script} did not report ready within ${options.startTimeoutMs ?? 20_000} ms`)), options.startTimeoutMs ?? 20_000);
    const lines = createInterface({ input: child.stdout! });
    lines.once('line', (line) => {
      clearTimeout(timer);
      try {
        resolve(JSON.parse(line) as Info);
      } catch {
        reject(new Error(`${script} printed ${JSON.stringify(line.slice(0, 200))} instead of its JSON ready line`));
      }
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`${script} exited before it was ready (code ${code}, signal ${signal})`));
    });
  }).catch((err: unknown) => {
    child.kill('SIGKILL');
    throw err;
  });

  return {
    info,
    pid: child.pid!,
    async stop(graceMs = 5_000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}
