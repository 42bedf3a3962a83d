import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { minuteWindow } from '@proxystacks/shared/quota/budget-window';
import { INTERNAL_QUOTA_PATH, parseCounterKey, quotaLeaseRequestSchema, type QuotaLeaseResponse } from '@proxystacks/shared/quota/lease-protocol';

/**
 * Bench child: stands in for the control plane's quota service (POST /internal/v1/quota) so the
 * bench data plane holds real leases for its limited key without a database. It grants every
 * demand in full (the bench's limits are far above what a run uses), with the windows the real
 * service names: the UTC minute for rpm/tpm, 0 for budgets (lifetime), balances and conc. Renewals
 * leave the hot path either way (a lease covers thousands of requests here), so what the bench
 * measures is admission on the data plane: plan, reserve on the local grant, headers, settle.
 * Prints `{"url","pid"}` on one line when listening.
 */
const LEASE_TTL_MS = 30_000;
const LIMIT = 1_000_000_000_000;

const server = createServer((req, res) => {
  if (req.method !== 'POST' || req.url !== INTERNAL_QUOTA_PATH) {
    res.writeHead(404).end();
    return;
  }
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    const demand = quotaLeaseRequestSchema.parse(JSON.parse(Buffer.concat(chunks).toString('utf8')));
    const now = Date.now();
    const answer: QuotaLeaseResponse = {
      serverTime: now,
      leaseTtlMs: LEASE_TTL_MS,
      grants: demand.counters.map((c) => {
        const kind = parseCounterKey(c.key)?.kind;
        const window = kind === 'rpm' || kind === 'tpm' ? minuteWindow(now) : { start: 0, end: null };
        const granted = c.used + c.want;
        return { key: c.key, windowStart: window.start, windowEnd: window.end, limit: LIMIT, granted, remaining: LIMIT - granted, expiresAt: now + LEASE_TTL_MS, active: true, liveInstances: 1 };
      }),
    };
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answer));
  });
});
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, pid: process.pid })}\n`);
});
const stop = () => server.close(() => process.exit(0));
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
