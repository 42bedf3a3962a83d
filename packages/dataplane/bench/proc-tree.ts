import { readdirSync, readFileSync } from 'node:fs';
import { readCpuMs } from './proc-cpu.ts';
import { readRssMiB } from './proc-memory.ts';

/**
 * A process and everything it started, from /proc (Linux only): `relay start` is the control
 * plane plus the data plane child it forks, and its cost is the whole tree's. Children are read
 * from /proc/<pid>/task/<tid>/children of every thread (a child belongs to the thread that forked it).
 */
export function processTree(pid: number): number[] {
  const pids = [pid];
  let tasks: string[];
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return pids; // the process ended meanwhile
  }
  for (const tid of tasks) {
    let children = '';
    try {
      children = readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8');
    } catch {
      // the thread ended between the listing and the read
    }
    for (const child of children.split(' ').filter(Boolean)) pids.push(...processTree(Number(child)));
  }
  return pids;
}

/** CPU (user + system, every thread) the whole tree has used so far, in ms; a process that ended meanwhile is left out. */
export function treeCpuMs(pid: number): number {
  return processTree(pid).reduce((total, p) => total + (readCpuMs(p) ?? 0), 0);
}

/** Resident memory of the whole tree (sum of each process's VmRSS), in MiB. */
export function treeRssMiB(pid: number): number {
  const sum = processTree(pid).reduce((total, p) => total + (readRssMiB(p)?.rssMiB ?? 0), 0);
  return Math.round(sum * 10) / 10;
}
