/**
 * `pnpm bench` (controlplane part): issue 8's load proof at full size. One `relay controlplane`
 * and three `relay dataplane` processes (real CLI, PGlite and chDB in temp directories, the mock
 * provider), N concurrent clients, streamed and not, against ONE key with a small lifetime
 * budget and tight rpm/tpm/conc limits; run twice on the same cluster with a fresh key each:
 * normally, and with one data plane SIGKILLed mid-run and the control plane paused 10 s
 * (SIGSTOP/SIGCONT). Reports spend over the budget against the README's bound, false budget
 * 429s below the early-refusal floor, admissions per minute against rpm, degraded admissions from /metrics, and
 * the ledger reconciled with ClickHouse. Writes bench/results/quota-load.json and .md.
 * Knobs (env): BENCH_QUOTA_DURATION_S (50 per run), BENCH_QUOTA_CLIENTS (24).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LOAD_DATAPLANE_ENV, LOAD_PRICES, startLoadCluster, type LoadRunResult } from '../test/support/multi-dataplane-load.ts';

// BENCH_ONLY (floor, events) selects one benchmark of `pnpm bench`: this one runs only in a full run.
if ((process.env.BENCH_ONLY ?? '') !== '') process.exit(0);

const here = import.meta.dirname;
const durationMs = Number(process.env.BENCH_QUOTA_DURATION_S ?? 50) * 1000;
const clients = Number(process.env.BENCH_QUOTA_CLIENTS ?? 24);
const limits = { budgetMicros: 20_000, rpm: 600, tpm: 30_000, conc: 8 };
const command = `BENCH_QUOTA_DURATION_S=${durationMs / 1000} BENCH_QUOTA_CLIENTS=${clients} pnpm --filter @proxystacks/controlplane exec tsx bench/quota-load.ts`;

const log = (message: string) => process.stderr.write(`[bench quota-load] ${message}\n`);
log('starting relay controlplane and three relay dataplane processes');
const cluster = await startLoadCluster({ databaseUrl: null });
const results: LoadRunResult[] = [];
try {
  for (const faults of [null, { killAtMs: Math.round(durationMs * 0.3), pauseAtMs: Math.round(durationMs * 0.4), pauseMs: 10_000 }]) {
    const name = faults === null ? 'normal' : 'one data plane killed, control plane paused 10 s';
    log(`run: ${name}, ${clients} clients, ${durationMs / 1000} s`);
    const result = await cluster.run({ name, limits, clients, durationMs, faults });
    log(JSON.stringify(result));
    results.push(result);
  }
} finally {
  await cluster.close();
}

const markdown = render(results);
mkdirSync(join(here, 'results'), { recursive: true });
writeFileSync(join(here, 'results', 'quota-load.json'), `${JSON.stringify({ command, date: new Date().toISOString(), settings: { LOAD_DATAPLANE_ENV, LOAD_PRICES }, results }, null, 2)}\n`);
writeFileSync(join(here, 'results', 'quota-load.md'), markdown);
process.stdout.write(`\n${markdown}\n`);

function render(runs: LoadRunResult[]): string {
  const row = (label: string, value: (r: LoadRunResult) => string | number) => `| ${label} | ${runs.map((r) => value(r)).join(' | ')} |`;
  const minutes = (r: LoadRunResult) => r.minutes.map((m) => `${m.minuteStart.slice(11, 16)}: ${m.admitted} (${m.nearEnd} near the end) / ${m.bound}, ${m.tokens} tok`).join('; ');
  return [
    '# Budgets and rate limits under load (issue 8)',
    '',
    `${new Date().toISOString()} · \`${command}\``,
    '',
    `One \`relay controlplane\` (PGlite, chDB) and three \`relay dataplane\` processes on loopback, the data planes' mock provider, ${clients} clients (every second request streamed) on one key. Data plane settings: ${Object.entries(LOAD_DATAPLANE_ENV).map(([k, v]) => `${k}=${v}`).join(', ')}; control plane QUOTA_LEASE_TTL_MS=10000. Prices ${LOAD_PRICES.inputMicrosPerMTok} / ${LOAD_PRICES.outputMicrosPerMTok} µ$ per million input / output tokens.`,
    '',
    `| | ${runs.map((r) => r.name).join(' | ')} |`,
    `|---|${runs.map(() => '--:').join('|')}|`,
    row('Limits (budget µ$, rpm, tpm, conc)', (r) => `${r.limits.budgetMicros}, ${r.limits.rpm}, ${r.limits.tpm}, ${r.limits.conc}`),
    row('Requests sent / admitted', (r) => `${r.requests} / ${r.admitted}`),
    row('Refused: budget / rate limit; client errors', (r) => `${r.refusedBudget} / ${r.refusedRateLimit}; ${r.clientErrors}`),
    row('Streams ended by the budget', (r) => r.streamsCutByBudget),
    row('Spent (ClickHouse) µ$', (r) => r.spentMicros),
    row('**Spend over the budget** µ$', (r) => `**${r.overspendMicros}**`),
    row('Worst-case bound µ$ (README)', (r) => `${r.boundMicros} (${r.boundFormula})`),
    row('Early-refusal floor (README "Early refusals")', (r) => `${r.refusalFloorMicros} µ$ = ${r.refusalFloorFormula}`),
    row('**False budget 429s** (below the floor, control plane reachable)', (r) => `**${r.falseBudget429s}**`),
    row('Budget 429s below the floor during the outage (fail closed by design)', (r) => r.budget429sClosedInOutage),
    row('Spend at the first budget refusal', (r) => (r.firstBudgetRefusalAtPercent === null ? 'n/a' : `${r.firstBudgetRefusalAtPercent} %`)),
    row('Admitted per minute (by event time) / bound', minutes),
    row('Degraded admissions (/metrics)', (r) => JSON.stringify(r.degradedAdmissions)),
    row('Quota renewal failures (/metrics)', (r) => r.renewFailures),
    row('**Reconciliation** ledger vs ClickHouse (differences)', (r) => `${r.reconciliation.ledgerMicros} vs ${r.reconciliation.clickhouseMicros} µ$ (**${r.reconciliation.differences}**)`),
    '',
    '## Notes',
    '',
    '- A budget refusal is false when, at the moment it was answered, the requests that had started spent (in the end) less than the floor: the budget minus the README’s early-refusal margin ((N − 1) × L parked at the other data planes plus conc × one request’s worst case reserved in flight), never less than 5 % of the budget (a request that does not fit first waits for renewal rounds; what other data planes admit meanwhile counts). During the control plane outage budgets fail closed once each data plane has used one lease-sized allowance (README): those refusals are counted apart.',
    '- Per minute: admissions counted by their event time (arrival); a request arriving in the last QUOTA_WAIT_MS + 200 ms of a minute may have been admitted in the next one, so `admitted − near the end` is what the bound is checked against.',
    '- The killed data plane is restarted on its data directory after the run, so its event log replays what it answered; requests in flight at the kill never reach ClickHouse or the ledger (and so are in neither).',
    '',
  ].join('\n');
}
