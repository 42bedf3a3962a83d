import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { CounterDemand, QuotaLeaseResponse } from '@proxystacks/shared/quota/lease-protocol';
import type { AdmissionPlan } from './admission-plan.ts';
import { createAdmission } from './admission.ts';
import { createLeaseClient } from './lease-client.ts';

const KEY = 'budget:b1';
const LIMIT_MICROS = 2_500;
const NEED_MICROS = 66;
const TOKEN = 'internal-token-internal-token-0123';

const plan: AdmissionPlan = {
  counters: [{ key: KEY, kind: 'budget', limit: LIMIT_MICROS, scopeLabel: "API key 'load'", budget: null, rateLimit: null }],
  needsEstimate: true,
  hasRateLimits: false,
  noFunds: false,
};

let server: Server | null = null;
afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
  server = null;
});

/**
 * A stand-in quota service on loopback. `decide` gets each renewal's demand and its number
 * (1-based) and returns the instance's new grant (cumulative) and what stays free for everyone,
 * or null to leave that renewal unanswered (a control plane too busy to reply).
 */
async function quotaServiceAnswering(decide: (demand: CounterDemand, n: number) => { granted: number; remaining: number } | null): Promise<{ url: string; demands: CounterDemand[] }> {
  const demands: CounterDemand[] = [];
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      const demand = (JSON.parse(body) as { counters: CounterDemand[] }).counters[0]!;
      demands.push(demand);
      const decision = decide(demand, demands.length);
      if (decision === null) return;
      const now = Date.now();
      const answer: QuotaLeaseResponse = {
        serverTime: now,
        leaseTtlMs: 30_000,
        grants: [{ key: KEY, windowStart: 0, windowEnd: null, limit: LIMIT_MICROS, ...decision, expiresAt: now + 30_000, active: true, liveInstances: 2 }],
      };
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answer));
    });
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server!.address() as AddressInfo).port}`, demands };
}

/** The n-th renewal grants `grants[n]` above what the instance reports using; the rest of the budget stays free. */
function quotaService(grants: number[]): Promise<{ url: string; demands: CounterDemand[] }> {
  return quotaServiceAnswering((demand, n) => {
    const granted = demand.used + (grants[n - 1] ?? grants.at(-1)!);
    return { granted, remaining: LIMIT_MICROS - granted };
  });
}

/** Admission against the stand-in; `admit()` is one request whose worst case is NEED_MICROS. */
function admissionFor(url: string, waitMs = 5_000) {
  const degraded: string[] = [];
  const leases = createLeaseClient({ controlplaneUrl: url, internalToken: TOKEN, dataplaneId: 'dp-test', leaseFraction: 0.02, observer: { renewed() {}, renewFailed() {} }, logger: { warn() {}, info() {} } });
  const admission = createAdmission({ leases, waitMs, defaultReserveOutputTokens: 64, streamStepTokens: 8, observer: { degraded: (kind) => degraded.push(kind), waited() {} } });
  // 1 µ$ per input token: NEED_MICROS prompt tokens cost NEED_MICROS.
  const deployments = [{ pricing: { inputMicrosPerMTok: 1_000_000, outputMicrosPerMTok: 1_000_000 } }] as never;
  const admit = () => admission.admitTokens(plan, async () => NEED_MICROS, 0, deployments);
  return { leases, admit, degraded };
}

/**
 * Issue 8, false budget 429s: a request that did not fit its instance's grant waited for ONE
 * renewal round and was refused when that round's answer did not cover it — although the
 * answer said most of the budget was still free (other requests had taken the local rest
 * meanwhile, or several waiting requests shared one answer). It now keeps asking while the
 * control plane has room, within QUOTA_WAIT_MS.
 */
describe('issue 8: a request waits for renewal rounds while the control plane has room', () => {
  it('is admitted by a later round when the first answer falls short but the budget is far from spent', async () => {
    // The first answer covers 10 µ$ of the 66 the request needs; the next ones 200.
    const { url, demands } = await quotaService([10, 200]);
    const { leases, admit } = admissionFor(url);
    await expect(admit()).resolves.not.toBeNull();
    expect(demands.length).toBeGreaterThanOrEqual(2);
    await leases.stop();
  });

  it('is refused after one round when the control plane has no room for it', async () => {
    // Everything else is held by other instances: remaining 0.
    const { url, demands } = await quotaServiceAnswering((demand) => ({ granted: demand.used + 10, remaining: 0 }));
    const { leases, admit } = admissionFor(url);
    await expect(admit()).rejects.toMatchObject({ code: 'insufficient_quota' });
    expect(demands.length).toBe(1);
    await leases.stop();
  });

  it('is admitted under the outage rules, not refused, when the control plane stops answering in time while it had room', async () => {
    // First round: 10 µ$ of the 66 needed, most of the budget free. Later rounds hang (a control
    // plane busy catching up): QUOTA_WAIT_MS runs out with the control plane still "reachable".
    const { url, demands } = await quotaServiceAnswering((demand, n) => (n > 1 ? null : { granted: demand.used + 10, remaining: LIMIT_MICROS - 10 }));
    const { leases, admit, degraded } = admissionFor(url, 300);
    await expect(admit()).resolves.not.toBeNull();
    expect(demands.length).toBeGreaterThanOrEqual(2);
    expect(degraded).toEqual(['budget']);
    server!.closeAllConnections();
    await leases.stop();
  });
});
