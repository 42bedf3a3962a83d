import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

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
