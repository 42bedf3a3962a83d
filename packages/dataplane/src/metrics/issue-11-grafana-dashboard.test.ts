import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { createDataplaneMetrics } from './dataplane-metrics.ts';

/**
 * Issue 11: infra/grafana/relay-dashboard.json queries only metrics a data plane exposes. The
 * names come from what /metrics renders (a real registry, default process metrics included), so a
 * renamed or removed metric fails here instead of leaving an empty panel.
 */

const INFRA = resolve(fileURLToPath(import.meta.url), '../../../../../infra');

interface Target {
  expr: string;
  datasource: { uid: string };
}
interface Panel {
  id: number;
  type: string;
  title: string;
  datasource?: { uid: string };
  targets?: Target[];
}
interface Dashboard {
  uid: string;
  panels: Panel[];
  templating: { list: Array<{ query: { query: string }; datasource: { uid: string } }> };
}

const dashboard = JSON.parse(readFileSync(join(INFRA, 'grafana/relay-dashboard.json'), 'utf8')) as Dashboard;

/** Sample names /metrics can carry: every `# TYPE` family, with the suffixes of its type. */
async function exposedSampleNames(): Promise<Set<string>> {
  const metrics = createDataplaneMetrics({
    snapshotVersion: () => 1,
    inFlight: () => 0,
    events: () => ({ queued: 0, spoolBatches: 0, spoolBytes: 0, dropped: 0, failedWrites: 0, logPending: 0, spoolEvents: 0, rejectedEvents: 0, diskErrors: {} }) as never,
  });
  const names = new Set<string>();
  for (const [, name, type] of (await metrics.render()).matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    const suffixes = type === 'histogram' ? ['_bucket', '_sum', '_count'] : type === 'summary' ? ['', '_sum', '_count'] : [''];
    for (const suffix of suffixes) names.add(`${name}${suffix}`);
  }
  return names;
}

/** Every expression of the dashboard: panel targets and template variable queries. */
function expressions(): string[] {
  return [...dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr)), ...dashboard.templating.list.map((v) => v.query.query)];
}

describe('infra/grafana/relay-dashboard.json', () => {
  it('queries only metrics the data plane exposes', async () => {
    const exposed = await exposedSampleNames();
    const queried = new Set(expressions().flatMap((expr) => [...expr.matchAll(/\brelay_[a-z0-9_]+/g)].map((m) => m[0])));
    expect(queried.size).toBeGreaterThan(20);
    expect([...queried].filter((name) => !exposed.has(name))).toEqual([]);
    // Every alarm the README asks operators to watch has a panel.
    for (const alarm of ['relay_events_dropped', 'relay_events_rejected', 'relay_events_spool_batches']) expect(queried.has(alarm), alarm).toBe(true);
  });

  it('uses the provisioned Prometheus data source, unique panel ids, and is provisioned from the file compose mounts', () => {
    const datasource = (parse(readFileSync(join(INFRA, 'grafana/provisioning/datasources/prometheus.yml'), 'utf8')) as { datasources: Array<{ uid: string; url: string }> }).datasources[0]!;
    expect(datasource.url).toBe('http://prometheus:9090');
    for (const panel of dashboard.panels.filter((p) => p.type !== 'row')) {
      expect(panel.datasource?.uid, panel.title).toBe(datasource.uid);
      expect(panel.targets!.length, panel.title).toBeGreaterThan(0);
      for (const target of panel.targets!) expect(target.datasource.uid).toBe(datasource.uid);
    }
    const ids = dashboard.panels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    const provider = (parse(readFileSync(join(INFRA, 'grafana/provisioning/dashboards/relay.yml'), 'utf8')) as { providers: Array<{ options: { path: string } }> }).providers[0]!;
    expect(readFileSync(join(INFRA, 'docker-compose.yml'), 'utf8')).toContain(`./grafana/relay-dashboard.json:${provider.options.path}/relay-dashboard.json:ro`);
  });
});
