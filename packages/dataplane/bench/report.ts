import { renderFloorMarkdown, type FloorComparison } from './floor-comparison.ts';
import type { LoadResult } from './load.ts';
import type { MachineInfo } from './machine-info.ts';
import type { SlowReaderResult } from './slow-readers.ts';

export interface ScenarioResult {
  id: string;
  title: string;
  target: 'direct' | 'gateway';
  connections: number;
  /** The status every response should have; anything else counts as an error. */
  expectedStatus: number;
  result: LoadResult;
  /** Unexpected statuses + socket errors. */
  errors: number;
}

export interface Overhead {
  title: string;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
}

export interface BenchResults {
  machine: MachineInfo;
  settings: { durationS: number; warmupS: number; connections: number };
  scenarios: ScenarioResult[];
  overheads: Overhead[];
  /** Issue 11: the data plane against a bare uWebSockets.js + undici pass-through, same run. */
  floor: FloorComparison;
  memory: {
    idleMiB: number | null;
    afterLoadMiB: number | null;
    slowReaders: SlowReaderResult[];
    /** VmHWM: the data plane's peak RSS over its whole life. */
    lifetimePeakMiB: number | null;
  };
  notes: string[];
}

const fmt = (n: number | null, digits = 3) => (n === null ? 'n/a' : Number(n.toFixed(digits)).toString());

export function renderMarkdown(r: BenchResults): string {
  const m = r.machine;
  const lines = [
    '# Data plane benchmark',
    '',
    `${m.date} · ${m.cpuModel} · ${m.cores} cores · ${m.memoryGiB} GiB · Node ${m.node} · Linux ${m.kernel} · ${m.loadTool}` +
      (m.gitCommit === null ? '' : ` · commit ${m.gitCommit}`),
    '',
    `Closed loop, ${r.settings.connections} connections, ${r.settings.durationS} s per run after ${r.settings.warmupS} s warm-up. Latency in ms.`,
    '',
    '| Scenario | Target | Conn | Req/s | p50 | p90 | p99 | max | Errors |',
    '|---|---|--:|--:|--:|--:|--:|--:|--:|',
    ...r.scenarios.map((s) => {
      const l = s.result.latencyMs;
      return `| ${s.title} | ${s.target} | ${s.connections} | ${s.result.requestsPerSec} | ${fmt(l.p50)} | ${fmt(l.p90)} | ${fmt(l.p99)} | ${fmt(l.max)} | ${s.errors} |`;
    }),
    '',
    '## Gateway overhead (gateway − direct, same upstream process)',
    '',
    '| Scenario | p50 | p90 | p99 |',
    '|---|--:|--:|--:|',
    ...r.overheads.map((o) => `| ${o.title} | ${fmt(o.p50Ms)} | ${fmt(o.p90Ms)} | ${fmt(o.p99Ms)} |`),
    '',
    ...renderFloorMarkdown(r.floor),
    '',
    '## Data plane memory (RSS, MiB)',
    '',
    ...memoryLines(r),
    '',
    '## Notes',
    '',
    ...r.notes.map((n) => `- ${n}`),
    '',
  ];
  return lines.join('\n');
}

function memoryLines(r: BenchResults): string[] {
  const slow = r.memory.slowReaders;
  return [
    '| When | RSS |',
    '|---|--:|',
    `| Idle, after start-up | ${fmt(r.memory.idleMiB, 1)} |`,
    `| After the load scenarios | ${fmt(r.memory.afterLoadMiB, 1)} |`,
    `| Lifetime peak (VmHWM) | ${fmt(r.memory.lifetimePeakMiB, 1)} |`,
    '',
    'Slow readers: 50 concurrent streams; each client keeps its socket paused and reads 1 KiB every 100 ms, then drains the rest.',
    '',
    '| Words per stream | Stream size | All streams | Read while slow | RSS before | **RSS peak** | RSS after | Completed |',
    '|--:|--:|--:|--:|--:|--:|--:|--:|',
    ...slow.map(
      (s) =>
        `| ${s.wordsPerStream} | ${fmt(s.bytesPerStream / 1024, 0)} KiB | ${fmt(s.totalStreamMiB, 1)} MiB | ${fmt(s.readDuringSlowPhaseMiB, 1)} MiB | ` +
        `${fmt(s.rssBeforeMiB, 1)} | **${fmt(s.rssPeakMiB, 1)}** | ${fmt(s.rssAfterMiB, 1)} | ${s.completed}/${s.streams} |`,
    ),
  ];
}
