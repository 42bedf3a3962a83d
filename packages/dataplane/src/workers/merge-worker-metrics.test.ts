import { describe, expect, it } from 'vitest';
import { mergeWorkerMetrics } from './merge-worker-metrics.ts';

const worker = (requests: number, bucket: number) => `# HELP relay_requests_total Chat completion requests.
# TYPE relay_requests_total counter
relay_requests_total{alias="a",status="2xx"} ${requests}
# HELP relay_request_duration_seconds Arrival to last byte sent.
# TYPE relay_request_duration_seconds histogram
relay_request_duration_seconds_bucket{le="0.1",streamed="false"} ${bucket}
relay_request_duration_seconds_bucket{le="+Inf",streamed="false"} ${bucket}
relay_request_duration_seconds_sum{streamed="false"} 0.5
relay_request_duration_seconds_count{streamed="false"} ${bucket}
# HELP relay_snapshot_version Config snapshot version in use.
# TYPE relay_snapshot_version gauge
relay_snapshot_version 7
`;

describe('mergeWorkerMetrics (issue 11: one scrape shows every worker)', () => {
  it('keeps each family together under one HELP/TYPE pair and labels every sample with its worker', () => {
    const merged = mergeWorkerMetrics([
      { worker: 0, text: worker(3, 2) },
      { worker: 1, text: worker(5, 4) },
    ]);
    expect(merged).toBe(`# HELP relay_requests_total Chat completion requests.
# TYPE relay_requests_total counter
relay_requests_total{worker="0",alias="a",status="2xx"} 3
relay_requests_total{worker="1",alias="a",status="2xx"} 5
# HELP relay_request_duration_seconds Arrival to last byte sent.
# TYPE relay_request_duration_seconds histogram
relay_request_duration_seconds_bucket{worker="0",le="0.1",streamed="false"} 2
relay_request_duration_seconds_bucket{worker="0",le="+Inf",streamed="false"} 2
relay_request_duration_seconds_sum{worker="0",streamed="false"} 0.5
relay_request_duration_seconds_count{worker="0",streamed="false"} 2
relay_request_duration_seconds_bucket{worker="1",le="0.1",streamed="false"} 4
relay_request_duration_seconds_bucket{worker="1",le="+Inf",streamed="false"} 4
relay_request_duration_seconds_sum{worker="1",streamed="false"} 0.5
relay_request_duration_seconds_count{worker="1",streamed="false"} 4
# HELP relay_snapshot_version Config snapshot version in use.
# TYPE relay_snapshot_version gauge
relay_snapshot_version{worker="0"} 7
relay_snapshot_version{worker="1"} 7
`);
  });

  it('keeps a family only one worker has, and an empty label set', () => {
    const merged = mergeWorkerMetrics([
      { worker: 0, text: '# HELP x_total X.\n# TYPE x_total counter\nx_total{} 1\n' },
      { worker: 2, text: '# HELP y Y.\n# TYPE y gauge\ny 4\n' },
    ]);
    expect(merged).toBe('# HELP x_total X.\n# TYPE x_total counter\nx_total{worker="0"} 1\n# HELP y Y.\n# TYPE y gauge\ny{worker="2"} 4\n');
  });
});
