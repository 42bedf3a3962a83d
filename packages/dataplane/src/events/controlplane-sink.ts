import type { EventSink } from './event-sink.ts';

/** The control plane route that takes event batches from data planes without ClickHouse access. */
export const EVENTS_PATH = '/internal/v1/events';

/**
 * Sends event batches to the control plane, which inserts them (used when the data plane has
 * no CLICKHOUSE_URL, e.g. next to an embedded chDB that only one process may open).
 */
export function createControlplaneSink(options: { controlplaneUrl: string; internalToken: string; timeoutMs?: number }): EventSink {
  const url = new URL(EVENTS_PATH, options.controlplaneUrl).toString();
  return {
    async write(batchId, events) {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${options.internalToken}` },
        body: JSON.stringify({ batchId, events }),
        signal: AbortSignal.timeout(options.timeoutMs ?? 30_000),
      });
      await response.body?.cancel();
      if (!response.ok) throw new Error(`control plane refused the event batch with HTTP ${response.status}`);
    },
  };
}
