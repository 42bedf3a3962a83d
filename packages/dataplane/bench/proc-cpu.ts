import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

/** Kernel clock ticks per second (`getconf CLK_TCK`, 100 on Linux in practice). */
let ticksPerSecond: number | null = null;

/**
 * CPU time a process has used so far (user + system, all its threads: GC helpers and the
 * libuv pool included), in ms, from /proc/<pid>/stat fields 14 and 15. Linux only; null elsewhere.
 */
export function readCpuMs(pid: number, statPath = `/proc/${pid}/stat`): number | null {
  try {
    const stat = readFileSync(statPath, 'utf8');
    // The command name (field 2) is in parentheses and may hold spaces: count from after it.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // fields[0] is field 3 (state), so utime (14) and stime (15) are fields[11] and fields[12].
    const ticks = Number(fields[11]) + Number(fields[12]);
    ticksPerSecond ??= Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    return (ticks * 1000) / ticksPerSecond;
  } catch {
    return null;
  }
}

/**
 * CPU ms per thread name of a process, all threads (trailing digits dropped, so a pool's threads
 * add up: ClickHouse names its pools QueryPipelineEx, MergeMutate, …; Node's main thread is `node`).
 */
export function readThreadCpuMs(pid: number): Map<string, number> {
  const out = new Map<string, number>();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const name = readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trim().replace(/[0-9]+$/, '');
      out.set(name, (out.get(name) ?? 0) + (readCpuMs(Number(tid), `/proc/${pid}/task/${tid}/stat`) ?? 0));
    } catch {
      // The thread ended between the listing and the read.
    }
  }
  return out;
}

/**
 * Per thread name, CPU ms per 1,000 units of work (events, requests) between two readings of
 * readThreadCpuMs (threads that ended meanwhile are lost: a lower bound), largest first, under 0.1 left out.
 */
export function threadCpuPer1000(before: Map<string, number>, after: Map<string, number>, units: number): Record<string, number> {
  const rows = [...after].map(([name, ms]) => [name, Math.round(((ms - (before.get(name) ?? 0)) / units) * 10_000) / 10] as const);
  return Object.fromEntries(rows.filter(([, ms]) => ms >= 0.1).sort((a, b) => b[1] - a[1]));
}
