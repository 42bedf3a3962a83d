import type { Exchange } from '../http/exchange.ts';
import type { RequestRecord } from './request-record.ts';
import { requestCostMicros } from './request-cost.ts';

/**
 * The `x-relay-*` headers of a routed answer, computed when its headers are written:
 * - `x-relay-provider` / `x-relay-model`: the provider (its name) and upstream model that answered
 *   (for a cache hit, the ones that made the cached answer);
 * - `x-relay-attempts`: upstream attempts made (0 for a cache hit);
 * - `x-relay-overhead-ms`: the gateway's own time up to the headers, measured on the monotonic
 *   clock as (first upstream attempt began − arrival) + (headers written − last upstream bytes
 *   they waited for): everything between is upstream time (attempts, their failures, backoff).
 *   With no upstream (a cache hit) it is the whole time to the headers;
 * - `x-relay-cost-micros` (complete answers only: a stream's headers go out before its usage):
 *   requestCostMicros, the figure the event records;
 * - `x-relay-cache: hit | miss` where the response cache applies.
 * Null until a deployment was chosen (refusals before routing carry none).
 */
export function relayHeaders(record: RequestRecord, startedAt: number, withCost: boolean): Record<string, string> | null {
  const deployment = record.deployment;
  if (deployment === null) return null;
  const now = performance.now();
  const overheadMs =
    record.upstreamStartedAt === null ? now - startedAt : record.upstreamStartedAt - startedAt + (now - (record.upstreamDoneAt ?? now));
  const headers: Record<string, string> = {
    'x-relay-provider': headerSafe(deployment.provider.name),
    'x-relay-model': headerSafe(deployment.upstreamModel),
    'x-relay-attempts': String(record.attempts),
    'x-relay-overhead-ms': String(Math.max(0, Math.round(overheadMs))),
  };
  if (withCost) headers['x-relay-cost-micros'] = String(requestCostMicros(record));
  if (record.cacheStatus !== '') headers['x-relay-cache'] = record.cacheStatus;
  return headers;
}

/** Names are the customer's own text: anything outside printable ASCII is percent-encoded, so the header stays valid. */
function headerSafe(value: string): string {
  return /^[\x20-\x7e]*$/.test(value) ? value : encodeURIComponent(value);
}

/**
 * Hook run once a request's alias resolved, before the response cache and admission: has the
 * exchange write the x-relay-* headers with its answer (a cache hit's included).
 */
export function reportRouting(ex: Exchange, record: RequestRecord): void {
  ex.lateHeaders = (complete) => relayHeaders(record, ex.startedAt, complete);
}
