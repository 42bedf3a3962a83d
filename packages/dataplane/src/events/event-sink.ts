import type { RequestEvent } from '@proxystacks/shared/events/request-event';

/**
 * Where batches of events go: ClickHouse directly, or the control plane's ingest endpoint.
 * `batchId` is stable across retries of the same batch, so a retry after a lost answer is
 * deduplicated downstream instead of counted twice.
 *
 * A write that fails because of the batch itself (it can never be inserted) throws
 * {@link PermanentEventError}; anything else thrown is transient and the batch is retried.
 */
export interface EventSink {
  /**
   * `json`, when given, is each event's JSON text as the event log wrote it (same order): a
   * sink that ships JSON sends these bytes instead of serialising every event a second time.
   */
  write(batchId: string, events: readonly RequestEvent[], json?: readonly string[]): Promise<void>;
  /**
   * Optional: the same batch as each event's JSON text only, for a sink that ships JSON and
   * reads nothing else (the control plane's ingest). When a sink has it, the queue keeps only
   * the text of a waiting event, not the event object too: a batch interval (up to a second)
   * keeps every queued event alive, and an object with forty fields that outlives the young
   * generation is copied and promoted by the garbage collector, time the request path pays.
   */
  writeJson?(batchId: string, json: readonly string[]): Promise<void>;
}

/**
 * The event store refused a batch for its content (an invalid value, a reused batch id, a body
 * over the ingest limit): retrying the same bytes fails the same way, so the queue moves the
 * batch aside (`rejected/`) instead of blocking every later batch behind it.
 */
export class PermanentEventError extends Error {
  override readonly name = 'PermanentEventError';
}
