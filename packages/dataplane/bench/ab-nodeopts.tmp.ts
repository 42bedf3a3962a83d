// Scratch (untracked): two data planes (A: NODE_OPTIONS_A, B: NODE_OPTIONS_B / env B_ENV json), interleaved wrk runs at C connections.
import { join, resolve } from 'node:path';
import { startChild } from './child-process.ts';
import { runWrk } from './load-wrk.ts';
import { readCpuMs } from './proc-cpu.ts';
const here = import.meta.dirname;
const rounds = Number(process.env.ROUNDS ?? 4);
const seconds = Number(process.env.S ?? 4);
const conns = Number(process.env.C ?? 64);
const mock = await startChild<{ baseUrl: string }>(join(here, 'serve-mock-upstream.ts'));
const envA = { BENCH_MOCK_BASE_URL: mock.info.baseUrl, NODE_OPTIONS: process.env.NODE_OPTIONS_A ?? '', ...JSON.parse(process.env.A_ENV ?? '{}') };
const envB = { BENCH_MOCK_BASE_URL: mock.info.baseUrl, NODE_OPTIONS: process.env.NODE_OPTIONS_B ?? '', ...JSON.parse(process.env.B_ENV ?? '{}') };
const A = await startChild<{ url: string; key: string; pid: number }>(resolve(here, process.env.A_SCRIPT ?? 'serve-dataplane.ts'), { env: envA });
const B = await startChild<{ url: string; key: string; pid: number }>(resolve(here, process.env.B_SCRIPT ?? 'serve-dataplane.ts'), { env: envB, nodeArgs: (process.env.B_NODE_ARGS ?? '').split(' ').filter(Boolean) });
const body = JSON.stringify({ model: 'bench', ...(process.env.STREAM === '1' ? { stream: true, stream_options: { include_usage: true } } : {}), messages: [{ role: 'user', content: `Benchmark mock:words=${process.env.WORDS ?? 12}` }] });
const spec = (dp: typeof A, d: number) => ({ url: `${dp.info.url}/v1/chat/completions`, body, headers: { 'content-type': 'application/json', authorization: `Bearer ${dp.info.key}` }, connections: conns, durationS: d });
async function one(dp: typeof A) {
  const c0 = readCpuMs(dp.info.pid)!;
  const r = await runWrk(spec(dp, seconds));
  const c1 = readCpuMs(dp.info.pid)!;
  if (r.non2xx > 0) throw new Error('non2xx');
  return { rps: r.requests / seconds, p50us: r.latencyMs.p50 * 1000, cpuUs: ((c1 - c0) * 1000) / r.requests };
}
await runWrk(spec(A, 3)); await runWrk(spec(B, 3));
const ra: number[] = [], rb: number[] = [], ca: number[] = [], cb: number[] = [];
for (let i = 0; i < rounds; i++) {
  const order = i % 2 === 0 ? [A, B] : [B, A];
  const res = new Map<unknown, Awaited<ReturnType<typeof one>>>();
  for (const dp of order) res.set(dp, await one(dp));
  const a = res.get(A)!, b = res.get(B)!;
  ra.push(a.rps); rb.push(b.rps); ca.push(a.cpuUs); cb.push(b.cpuUs);
  console.log(`round ${i}: A ${a.rps.toFixed(0)} req/s cpu ${a.cpuUs.toFixed(1)} µs p50 ${a.p50us.toFixed(0)} | B ${b.rps.toFixed(0)} req/s cpu ${b.cpuUs.toFixed(1)} µs p50 ${b.p50us.toFixed(0)}`);
}
const med = (a: number[]) => { const s = [...a].sort((x, y) => x - y); return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2; };
console.log(`median: A ${med(ra).toFixed(0)} req/s ${med(ca).toFixed(1)} µs/req | B ${med(rb).toFixed(0)} req/s ${med(cb).toFixed(1)} µs/req`);
const { readFileSync } = await import('node:fs');
const rss = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;
const hwm = (pid: number) => Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;
console.log(`RSS after load: A ${rss(A.info.pid).toFixed(1)} MiB (peak ${hwm(A.info.pid).toFixed(1)}) | B ${rss(B.info.pid).toFixed(1)} MiB (peak ${hwm(B.info.pid).toFixed(1)})`);
for (const c of [A, B, mock]) await c.stop();
process.exit(0);
