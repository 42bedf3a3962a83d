import type { Logger } from 'pino';
import { parseSnapshot } from '@proxystacks/shared/snapshot/config-snapshot';
import type { SnapshotStore } from './snapshot-store.ts';

/** The control plane route data planes fetch snapshots from. */
export const SNAPSHOT_PATH = '/internal/v1/snapshot';

export interface SnapshotPollerOptions {
  controlplaneUrl: string;
  internalToken: string;
  store: SnapshotStore;
  /** Pause before the next request after a failure, or after a 304 that came back at once. */
  intervalMs: number;
  /** How long the control plane may hold a request open (seconds); 0 = plain polling. */
  waitSeconds?: number;
  logger: Pick<Logger, 'info' | 'warn' | 'debug'>;
}

/**
 * Keeps a separate data plane process current by long-polling the control plane: each request
 * carries the current hash as an ETag and `?wait=`, and the control plane holds it until a new
 * snapshot is published (200) or the wait runs out (304). A revocation therefore arrives
 * within milliseconds of being published, with one idle request per data plane. On errors it
 * retries every `intervalMs`, logging once per outage, and the data plane keeps serving its
 * last snapshot meanwhile.
 */
export function createSnapshotPoller(options: SnapshotPollerOptions) {
  const url = new URL(SNAPSHOT_PATH, options.controlplaneUrl).toString();
  let timer: NodeJS.Timeout | null = null;
  let stopped = false;
  let failing = false;
  let inFlight: Promise<void> | null = null;

  const waitSeconds = options.waitSeconds ?? 25;
  let inFlightAbort: AbortController | null = null;

  /**
   * One request; resolves true when it was answered quickly and the next one should wait a while.
   * `wait` false asks for an answer at once even when the snapshot held is current.
   */
  async function pollOnce(wait = true): Promise<boolean> {
    const current = options.store.current();
    const headers: Record<string, string> = { authorization: `Bearer ${options.internalToken}` };
    const longPoll = wait && current !== null && waitSeconds > 0;
    if (current !== null) headers['if-none-match'] = `"${current.hash}"`;
    const started = Date.now();
    const abort = new AbortController();
    inFlightAbort = abort;
    const timeout = setTimeout(() => abort.abort(), (longPoll ? waitSeconds + 10 : 10) * 1000);
    try {
      const response = await fetch(longPoll ? `${url}?wait=${waitSeconds}` : url, { headers, signal: abort.signal });
      if (response.status === 304) {
        await response.body?.cancel();
      } else if (response.ok) {
        const applied = options.store.apply(parseSnapshot(await response.json()));
        if (applied) options.logger.debug({ version: options.store.current()?.version }, 'config snapshot applied');
        // A snapshot the store refused (it says why) would come straight back: do not spin on it.
        else return true;
      } else {
        await response.body?.cancel();
        throw new Error(`control plane answered ${response.status}`);
      }
      if (failing) options.logger.info('control plane reachable again');
      failing = false;
      // A 304 that did not wait means the control plane does not hold requests: poll at the interval.
      return response.status === 304 && Date.now() - started < 1_000;
    } catch (err) {
      if (stopped) return false;
      if (!failing) {
        options.logger.warn({ reason: (err as Error).message }, 'cannot fetch config snapshot; serving the last one');
      }
      failing = true;
      return true;
    } finally {
      clearTimeout(timeout);
      inFlightAbort = null;
    }
  }

  function schedule(delayMs: number): void {
    if (stopped) return;
    timer = setTimeout(() => {
      inFlight = pollOnce().then((slowDown) => {
        inFlight = null;
        schedule(slowDown ? options.intervalMs : 0);
      });
    }, delayMs);
  }

  return {
    /** Polls once right away (so start-up has a snapshot when the control plane is up), then keeps polling. */
    async start(): Promise<void> {
      // Never a long poll here: with a current snapshot from disk it would hold start-up for
      // the whole wait (25 s) before the data plane listens.
      await pollOnce(false);
      schedule(0);
    },
    pollOnce,
    async stop(): Promise<void> {
      stopped = true;
      if (timer !== null) clearTimeout(timer);
      inFlightAbort?.abort();
      await inFlight;
    },
  };
}
