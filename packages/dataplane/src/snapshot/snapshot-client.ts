import type { Logger } from 'pino';
import { parseSnapshot } from '@proxystacks/shared/snapshot/config-snapshot';
import type { SnapshotStore } from './snapshot-store.ts';

/** The control plane route data planes fetch snapshots from. */
export const SNAPSHOT_PATH = '/internal/v1/snapshot';

export interface SnapshotPollerOptions {
  controlplaneUrl: string;
  internalToken: string;
  store: SnapshotStore;
  intervalMs: number;
  logger: Pick<Logger, 'info' | 'warn' | 'debug'>;
}

/**
 * Keeps a separate data plane process current: polls the control plane with the current hash
 * as an ETag (an unchanged snapshot costs a 304 and no parsing). The interval bounds how long
 * a revoked key keeps working; the default 250 ms keeps it well under a second. Failures are
 * logged once per outage, and the data plane keeps serving its last snapshot meanwhile.
 */
export function createSnapshotPoller(options: SnapshotPollerOptions) {
  const url = new URL(SNAPSHOT_PATH, options.controlplaneUrl).toString();
  let timer: NodeJS.Timeout | null = null;
  let stopped = false;
  let failing = false;
  let inFlight: Promise<void> | null = null;

  async function pollOnce(): Promise<void> {
    const current = options.store.current();
    const headers: Record<string, string> = { authorization: `Bearer ${options.internalToken}` };
    if (current !== null) headers['if-none-match'] = `"${current.hash}"`;
    try {
      const response = await fetch(url, { headers, signal: AbortSignal.timeout(10_000) });
      if (response.status === 304) {
        await response.body?.cancel();
      } else if (response.ok) {
        const applied = options.store.apply(parseSnapshot(await response.json()));
        if (applied) options.logger.debug({ version: options.store.current()?.version }, 'config snapshot applied');
      } else {
        await response.body?.cancel();
        throw new Error(`control plane answered ${response.status}`);
      }
      if (failing) options.logger.info('control plane reachable again');
      failing = false;
    } catch (err) {
      if (!failing) {
        options.logger.warn({ reason: (err as Error).message }, 'cannot fetch config snapshot; serving the last one');
      }
      failing = true;
    }
  }

  function schedule(): void {
    if (stopped) return;
    timer = setTimeout(() => {
      inFlight = pollOnce().finally(() => {
        inFlight = null;
        schedule();
      });
    }, options.intervalMs);
  }

  return {
    /** Polls once right away (so start-up has a snapshot when the control plane is up), then keeps polling. */
    async start(): Promise<void> {
      await pollOnce();
      schedule();
    },
    pollOnce,
    async stop(): Promise<void> {
      stopped = true;
      if (timer !== null) clearTimeout(timer);
      await inFlight;
    },
  };
}
