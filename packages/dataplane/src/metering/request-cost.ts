import { priceRequest } from '@proxystacks/shared/pricing/price-request';
import type { RequestRecord } from './request-record.ts';

/**
 * What the request costs, in micros: its usage under the pricing rule of the deployment that
 * answered (shared/src/pricing/price-request.ts); 0 when unpriced, without usage, or answered
 * from the response cache. The one figure the event, the x-relay-cost-micros header and
 * `usage.cost` all show, so they never disagree.
 */
export function requestCostMicros(record: Pick<RequestRecord, 'deployment' | 'usage' | 'cacheStatus'>): number {
  const pricing = record.deployment?.pricing ?? null;
  if (pricing === null || record.usage === null || record.cacheStatus === 'hit') return 0;
  return priceRequest(record.usage, pricing);
}

/**
 * What the request saved, in micros (the event's cost_saved_micros):
 * - a response cache hit: what the cached answer cost when it was made;
 * - another deployment than the plan's first choice answered (a fallback, or the first choice's
 *   breaker was open): the first choice's price for the same usage minus the actual price, when
 *   that is positive and both are priced; a fallback to a dearer route saves nothing (never negative);
 * - otherwise 0: whatever the routing strategy picked first (a weighted pick, the cheapest route
 *   under lowest_cost) is the plan, not a saving.
 */
export function costSavedMicros(record: Pick<RequestRecord, 'deployment' | 'primaryDeployment' | 'usage' | 'cacheStatus' | 'cacheSavedMicros'>): number {
  if (record.cacheStatus === 'hit') return record.cacheSavedMicros;
  const { deployment, primaryDeployment: primary, usage } = record;
  // Both must be priced: an unpriced route's 0 is "unknown", not "free".
  if (deployment === null || primary === null || usage === null || primary.pricing === null || deployment.pricing === null) return 0;
  if (deployment.id === primary.id) return 0;
  return Math.max(0, priceRequest(usage, primary.pricing) - requestCostMicros(record));
}
