import autocannon from 'autocannon';
import type { LoadResult, LoadSpec } from './load.ts';

/**
 * Fallback when wrk is not installed. autocannon runs in this (the bench's) process, never
 * in the data plane's, and reports latency with millisecond resolution only, so sub-ms
 * overheads read as 0 or 1: prefer wrk for the overhead figures.
 */
export async function runAutocannon(spec: LoadSpec): Promise<LoadResult> {
  const result = await autocannon({
    url: spec.url,
    method: 'POST',
    body: spec.body,
    headers: spec.headers,
    connections: spec.connections,
    duration: spec.durationS,
    timeout: 10,
  });
  return {
    tool: 'autocannon',
    requests: result.requests.total,
    requestsPerSec: Math.round(result.requests.total / (result.duration || spec.durationS)),
    latencyMs: { p50: result.latency.p50, p90: result.latency.p90, p99: result.latency.p99, max: result.latency.max },
    non2xx: result.non2xx,
    socketErrors: result.errors + result.timeouts,
  };
}
