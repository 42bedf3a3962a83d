/**
 * Merges the Prometheus text of several data plane worker processes into one exposition, each
 * sample labelled `worker="<n>"`. Served per worker rather than summed: a counter reset when one
 * worker restarts stays visible to `rate()`, histograms need no bucket merging, and
 * `sum without (worker)` gives the process-wide figure in PromQL. The exposition format wants
 * every sample of a metric family together under one HELP/TYPE pair, so families are regrouped
 * rather than the texts concatenated.
 * (https://prometheus.io/docs/instrumenting/exposition_formats/#text-format-details)
 */

/** One worker's own /metrics text. */
export interface WorkerMetricsText {
  worker: number;
  text: string;
}

interface Family {
  comments: string[];
  samples: string[];
}

/** The combined text; families appear in the order the first worker that has them lists them. */
export function mergeWorkerMetrics(parts: readonly WorkerMetricsText[]): string {
  const families = new Map<string, Family>();
  for (const { worker, text } of parts) {
    let current: Family | null = null;
    for (const line of text.split('\n')) {
      if (line === '') continue;
      const comment = /^# (HELP|TYPE) (\S+)/.exec(line);
      if (comment) {
        current = familyOf(families, comment[2]!);
        // HELP and TYPE once per family, from the first worker that lists it.
        if (current.comments.length < 2 && !current.comments.some((c) => c.startsWith(`# ${comment[1]} `))) current.comments.push(line);
        continue;
      }
      if (line.startsWith('#')) continue;
      // A sample without HELP/TYPE before it (never from prom-client) still gets a family of its own.
      (current ?? familyOf(families, sampleName(line))).samples.push(withWorkerLabel(line, worker));
    }
  }
  let out = '';
  for (const family of families.values()) out += `${family.comments.join('\n')}${family.comments.length ? '\n' : ''}${family.samples.join('\n')}\n`;
  return out;
}

function familyOf(families: Map<string, Family>, name: string): Family {
  let family = families.get(name);
  if (!family) families.set(name, (family = { comments: [], samples: [] }));
  return family;
}

function sampleName(line: string): string {
  return /^[^{\s]+/.exec(line)![0];
}

/** `name{a="b"} 1` → `name{worker="0",a="b"} 1`; `name 1` → `name{worker="0"} 1`. */
function withWorkerLabel(line: string, worker: number): string {
  const name = sampleName(line);
  const rest = line.slice(name.length);
  if (rest.startsWith('{}')) return `${name}{worker="${worker}"}${rest.slice(2)}`;
  if (rest.startsWith('{')) return `${name}{worker="${worker}",${rest.slice(1)}`;
  return `${name}{worker="${worker}"}${rest}`;
}
