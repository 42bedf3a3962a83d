import type { EventSink } from './event-sink.ts';

/**
 * The sink of a data plane that writes ClickHouse itself (CLICKHOUSE_URL): each batch goes to
 * ClickHouse first, then its priced events (cost_micros > 0) to the control plane's ledger
 * (`createControlplaneSink({ ledgerOnly: true })`). The batch counts as written only once both
 * took it, so a ledger that is down makes the queue retry, then spool and replay, the whole
 * batch under its id, exactly as for a store that is down: ClickHouse drops the repeated insert
 * (same batch id) and the ledger the repeated debits (same request ids). No second queue, log
 * or spool to keep consistent.
 */
export function createLedgerTeeSink(options: { store: EventSink; ledger: EventSink }): EventSink {
  return {
    async write(batchId, events, lines) {
      await options.store.write(batchId, events, lines);
      const pricedAt = events.flatMap((event, index) => (event.cost_micros > 0 ? [index] : []));
      if (pricedAt.length === 0) return;
      await options.ledger.write(
        batchId,
        pricedAt.map((index) => events[index]!),
        lines === undefined ? undefined : pricedAt.map((index) => lines[index]!),
      );
    },
  };
}
