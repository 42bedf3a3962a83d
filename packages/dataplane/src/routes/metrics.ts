import { createHash, timingSafeEqual } from 'node:crypto';
import { RelayError } from '@proxystacks/shared/errors/relay-error';
import type { Exchange } from '../http/exchange.ts';
import type { DataplaneMetrics } from '../metrics/dataplane-metrics.ts';

/**
 * `GET /metrics`: Prometheus text format. It shares the public port, so it asks for the
 * plane-to-plane token (`bearer_token` in the Prometheus scrape config): aliases, traffic and
 * spend are not for every API client to read.
 */
export function serveMetrics(ex: Exchange, metrics: DataplaneMetrics, internalToken: string): void {
  if (!bearerMatches(ex.authorization, internalToken)) {
    ex.sendError(new RelayError('unauthenticated', 'Metrics need the internal token: Authorization: Bearer <RELAY_INTERNAL_TOKEN>.'));
    return;
  }
  metrics.render().then(
    (text) => ex.send(200, metrics.contentType, text),
    (err: unknown) => ex.sendError(err),
  );
}

function bearerMatches(header: string, expected: string): boolean {
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  if (match === null) return false;
  // Hash both sides first: timingSafeEqual needs equal lengths, and lengths must not leak either.
  return timingSafeEqual(createHash('sha256').update(match[1]!).digest(), createHash('sha256').update(expected).digest());
}
