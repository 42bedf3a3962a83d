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
   * `lines`, when given, are each event's JSON text and a newline, the bytes the event log
   * wrote (same order): a sink that ships JSON sends these instead of serialising every event
   * a second time.
   */
  write(batchId: string, events: readonly RequestEvent[], lines?: readonly Buffer[]): Promise<void>;
  /**
   * Optional: the same batch as its JSON lines only, for a sink that ships JSON and reads
   * nothing else (the control plane's ingest). When a sink has it, a waiting event keeps only
   * its line, bytes outside the JavaScript heap, not the event object or its JSON string: a
   * batch interval (up to a second) keeps every queued event alive, and what outlives the young
   * generation is copied, promoted and later swept by the garbage collector, on the thread that
   * serves requests.
   */
  writeJsonLines?(batchId: string, lines: readonly Buffer[]): Promise<void>;
}

/**
 * The event store refused a batch for its content (an invalid value, a reused batch id, a body
 * over the ingest limit): retrying the same bytes fails the same way, so the queue moves the
 * batch aside (`rejected/`) instead of blocking every later batch behind it.
 */
export class PermanentEventError extends Error {
  override readonly name = 'PermanentEventError';
}
