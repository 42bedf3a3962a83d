import type { RequestEvent } from '@proxystacks/shared/events/request-event';

/**
 * Where batches of events go: ClickHouse directly, or the control plane's ingest endpoint.
 * `batchId` is stable across retries of the same batch, so a retry after a lost answer is
 * deduplicated downstream instead of counted twice.
 */
export interface EventSink {
  write(batchId: string, events: readonly RequestEvent[]): Promise<void>;
}
