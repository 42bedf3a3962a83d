import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { DEPLOYMENT_HEALTH_PATH, type DeploymentHealthBatch, type DeploymentHealthReport } from '@proxystacks/shared/health/deployment-health';

/** Whatever knows each deployment's health (the circuit breakers' board); asked once per batch. */
export interface DeploymentHealthSource {
  report(nowMs: number): readonly DeploymentHealthReport[];
  /**
   * Optional: calls `onStateChange` whenever a deployment changes state, so the reporter sends
   * at once instead of at the next interval; returns the unsubscribe. A source without it is
   * reported every interval only (or when someone calls the reporter's `nudge()`).
   */
  subscribe?(onStateChange: () => void): () => void;
}

/** A source with nothing to say: the data plane before it has a board. Its batches still tell the control plane it is alive. */
export const EMPTY_DEPLOYMENT_HEALTH: DeploymentHealthSource = { report: () => [] };

/** Options of {@link createHealthReporter}. */
export interface HealthReporterOptions {
  /** The control plane's base URL; null = nowhere to report (the reporter does nothing). */
  controlplaneUrl: string | null;
  internalToken: string;
  /** DATAPLANE_ID: prefixes the per-process instance id, so an operator can tell instances apart. */
  dataplaneId: string;
  /** HEALTH_REPORT_INTERVAL_MS. */
  intervalMs: number;
  source: DeploymentHealthSource;
  logger: Pick<Logger, 'warn' | 'info'>;
  /** The clock reports are stamped with; default Date.now. */
  now?: () => number;
}

/** The data plane's side of deployment health reporting. */
export interface HealthReporter {
  /** Random per process: a restarted data plane is a new instance, and its old reports expire. */
  readonly instanceId: string;
  /** Sends every interval from now on (the first batch at once). */
  start(): void;
  /** A deployment changed state: send soon rather than at the next interval. Never blocks. */
  nudge(): void;
  /** Sends one batch now (after the one in flight); true when the control plane took it. */
  flush(): Promise<boolean>;
  /** Stops the timer and abandons the batch in flight (the control plane expires this instance by itself). */
  stop(): Promise<void>;
}

/**
 * Nudges closer together than this share one batch: a breaker flapping on every request must
 * not turn each request into a POST to the control plane.
 */
const MIN_NUDGE_GAP_MS = 100;

/**
 * Sends the board's reports to the control plane (POST DEPLOYMENT_HEALTH_PATH, internal token)
 * every interval and soon after a nudge. Entirely off the request path: a nudge only schedules,
 * one batch is in flight at a time, and a slow or absent control plane costs nothing but a
 * skipped report. A failing control plane is logged once when the outage starts and once when
 * it ends, never per attempt (a 5 s interval would otherwise log 720 lines an hour); logs carry
 * a status or error code, never the token or the body.
 */
export function createHealthReporter(options: HealthReporterOptions): HealthReporter {
  const instanceId = `${options.dataplaneId.slice(0, 60)}/${randomUUID()}`;
  const url = options.controlplaneUrl === null ? null : new URL(DEPLOYMENT_HEALTH_PATH, options.controlplaneUrl).toString();
  const now = options.now ?? Date.now;
  // A report older than an interval is stale anyway; a hung control plane must not hold up the next one.
  const timeoutMs = Math.min(Math.max(1_000, options.intervalMs), 10_000);
  const stopping = new AbortController();
  let sending: Promise<boolean> | null = null;
  let again = false;
  let failing = false;
  let lastSendAt = 0;
  let interval: NodeJS.Timeout | null = null;
  let nudgeTimer: NodeJS.Timeout | null = null;
  let stopped = false;
  let unsubscribe: (() => void) | null = null;

  async function send(): Promise<boolean> {
    if (url === null) return false;
    lastSendAt = now();
    try {
      const batch: DeploymentHealthBatch = { instanceId, sentAtMs: lastSendAt, deployments: options.source.report(lastSendAt) };
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${options.internalToken}` },
        body: JSON.stringify(batch),
        signal: AbortSignal.any([AbortSignal.timeout(timeoutMs), stopping.signal]),
      });
      await response.body?.cancel();
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      if (failing) options.logger.info('deployment health reports reach the control plane again');
      failing = false;
      return true;
    } catch (err) {
      if (stopped) return false;
      if (!failing) options.logger.warn({ reason: reasonOf(err) }, 'deployment health report failed; retrying every interval (logged once until it recovers)');
      failing = true;
      return false;
    }
  }

  /** Runs a send now, or right after the one in flight. */
  function kick(): Promise<boolean> {
    if (sending !== null) {
      again = true;
      return sending.then(() => sending ?? (stopped ? false : kick()));
    }
    const current = send().finally(() => {
      sending = null;
      if (again && !stopped) {
        again = false;
        void kick();
      }
    });
    sending = current;
    return current;
  }

  const reporter: HealthReporter = {
    instanceId,
    start() {
      if (url === null || interval !== null || stopped) return;
      unsubscribe = options.source.subscribe?.(() => reporter.nudge()) ?? null;
      void kick();
      interval = setInterval(() => void kick(), options.intervalMs);
      interval.unref();
    },
    nudge() {
      if (url === null || stopped || nudgeTimer !== null) return;
      const waitMs = Math.max(0, lastSendAt + MIN_NUDGE_GAP_MS - now());
      nudgeTimer = setTimeout(() => {
        nudgeTimer = null;
        if (!stopped) void kick();
      }, waitMs);
      nudgeTimer.unref();
    },
    flush: () => kick(),
    async stop() {
      stopped = true;
      unsubscribe?.();
      if (interval !== null) clearInterval(interval);
      if (nudgeTimer !== null) clearTimeout(nudgeTimer);
      interval = null;
      nudgeTimer = null;
      stopping.abort();
      await sending;
    },
  };
  return reporter;
}

/** A short, secret-free reason: the HTTP status, or the network error's code. */
function reasonOf(err: unknown): string {
  const cause = (err as { cause?: { code?: unknown } }).cause;
  if (typeof cause?.code === 'string') return cause.code;
  if (err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError')) return 'timeout';
  return err instanceof Error ? err.message.slice(0, 100) : 'unknown';
}
