/**
 * Micro-benchmark of what issue 9 added to each request's routing (no HTTP): the strategy's
 * order, the breaker admit/verdict, the retry budget and the two per-attempt deadline timers,
 * through runAttempts with an attempt that answers at once; against the loop it replaced
 * (orderDeployments, one awaited attempt). Run: `node --import tsx packages/dataplane/bench/routing-step.ts`.
 */
import type { RoutingStrategy } from '@proxystacks/shared/routing/routing-strategy';
import type { Exchange } from '../src/http/exchange.ts';
import { newRequestRecord } from '../src/metering/request-record.ts';
import { orderDeployments } from '../src/routing/order-deployments.ts';
import { planRoute } from '../src/routing/plan-route.ts';
import { runAttempts } from '../src/routing/run-attempts.ts';
import { createUpstreamResilience } from '../src/routing/upstream-resilience.ts';
import type { CompiledDeployment, CompiledRoute } from '../src/snapshot/compiled-snapshot.ts';

const provider = { id: 'p', name: 'p', type: 'mock' as const, baseUrl: null, credential: null, environments: [], apiVersion: null, extraHeaders: null, http2: 'auto' as const };
const pricing = { id: 'r', version: 1, inputMicrosPerMTok: 150_000, outputMicrosPerMTok: 600_000, cachedInputMicrosPerMTok: null, cacheWriteMicrosPerMTok: null };
const deployments: CompiledDeployment[] = [0, 1, 2].map((i) => ({ id: `d${i}`, provider, upstreamModel: 'm', priority: i, weight: 1, pricing, environment: '' }));
const resilience = createUpstreamResilience({ known: () => deployments });
const ex = { aborted: false, onAbort() {} } as unknown as Exchange;
const answered = async () => {};
const N = 200_000;

async function measure(label: string, once: () => Promise<void>): Promise<number> {
  for (let i = 0; i < 20_000; i++) await once();
  const started = process.hrtime.bigint();
  for (let i = 0; i < N; i++) await once();
  const us = Number(process.hrtime.bigint() - started) / 1_000 / N;
  console.log(`${label.padEnd(34)} ${us.toFixed(3)} µs/request`);
  return us;
}

const baseline = await measure('old loop (orderDeployments)', async () => {
  const ordered = orderDeployments({ deployments });
  newRequestRecord('r', 0, 1);
  void new AbortController().signal; // the old loop had one per request too
  await answered();
  void ordered;
});
for (const strategy of ['fallback', 'weighted', 'least_latency', 'lowest_cost'] as RoutingStrategy[]) {
  const route: CompiledRoute = { orgId: 'o', alias: 'a', deployments, byEnvironment: new Map(), strategy };
  const us = await measure(`runAttempts, ${strategy}`, async () => {
    const record = newRequestRecord('r', 0, 1);
    const planned = await planRoute(route, deployments, resilience, false, async () => ({ promptTokens: 1000, outputTokens: 256 }));
    await runAttempts(ex, resilience, record, planned, answered);
  });
  console.log(`${''.padEnd(34)} +${(us - baseline).toFixed(3)} µs over the old loop`);
}
