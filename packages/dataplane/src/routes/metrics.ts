import { matchBearerToken } from '@proxystacks/shared/crypto/constant-time';
import { RelayError } from '@proxystacks/shared/errors/relay-error';
import type { Exchange } from '../http/exchange.ts';
import type { DataplaneMetrics } from '../metrics/dataplane-metrics.ts';

/**
 * `GET /metrics`: Prometheus text format. It shares the public port, so it asks for the
 * plane-to-plane token (`bearer_token` in the Prometheus scrape config): aliases, traffic and
 * spend are not for every API client to read.
 */
export function serveMetrics(ex: Exchange, metrics: Pick<DataplaneMetrics, 'render' | 'contentType'>, internalTokens: ReadonlyArray<string>): void {
  // Either the current token or, during a rotation, the previous one (constant time, see matchBearerToken).
  if (matchBearerToken(ex.authorization, internalTokens) === -1) {
    ex.sendError(new RelayError('unauthenticated', 'Metrics need the internal token: Authorization: Bearer <RELAY_INTERNAL_TOKEN>.'));
    return;
  }
  metrics.render().then(
    (text) => ex.send(200, metrics.contentType, text),
    (err: unknown) => ex.sendError(err),
  );
}
