import { describe, expect, it } from 'vitest';
import { decideGrant, type GrantInput, type LeaseRow } from './grant-rule.ts';

const NOW_MS = 1_000_000;
const TTL_MS = 10_000;

/** One renewal of `instanceId` against the leases in `rows` (updated like writeLease does). */
function renew(rows: LeaseRow[], instanceId: string, demand: { used: number; want: number }, limit = 2_500): number {
  const input: GrantInput = {
    kind: 'budget',
    limit,
    baseUsed: 0,
    others: rows.filter((r) => r.instanceId !== instanceId),
    own: rows.find((r) => r.instanceId === instanceId) ?? null,
    used: demand.used,
    want: demand.want,
    nowMs: NOW_MS,
  };
  const decision = decideGrant(input);
  const row = { instanceId, granted: decision.granted, used: decision.used, expiresAtMs: NOW_MS + TTL_MS };
  const at = rows.findIndex((r) => r.instanceId === instanceId);
  if (at < 0) rows.push(row);
  else rows[at] = row;
  return decision.granted;
}

/**
 * Issue 8, false budget 429s under load: a data plane whose renewal times out (the control
 * plane paused or slow) sends the next round while the control plane still answers the old one
 * later. Each late answer used to add `want` on top of the live grant again, so capacity piled
 * up at that instance, unseen by it until its next round, while the others were refused with
 * most of the budget unspent.
 */
describe('issue 8: a demand is a target, so retried and late renewals grant nothing more', () => {
  it('grants the same to the same demand however often it arrives', () => {
    const rows: LeaseRow[] = [];
    const first = renew(rows, 'a', { used: 0, want: 116 });
    expect(first).toBe(116);
    for (let i = 0; i < 5; i++) expect(renew(rows, 'a', { used: 0, want: 116 })).toBe(116);
  });

  it('leaves the rest of the budget to the other instances after late answers', () => {
    const rows: LeaseRow[] = [];
    renew(rows, 'a', { used: 0, want: 66 });
    // Four renewals of `a` time out in the data plane and are answered afterwards, each asking
    // for a lease plus the shortfall of three waiting requests.
    for (let i = 0; i < 4; i++) renew(rows, 'a', { used: 100, want: 66 + 3 * 66 });
    const parkedAtA = rows.find((r) => r.instanceId === 'a')!.granted - 100;
    expect(parkedAtA).toBeLessThanOrEqual(66 + 3 * 66);
    // `b` wants one request's worth plus a lease: the budget (2 500) has room for it.
    expect(renew(rows, 'b', { used: 1_900, want: 2 * 66 })).toBe(1_900 + 2 * 66);
  });

  it('never shrinks a live grant, so an instance is not overdrawn by an answer it had not seen', () => {
    const rows: LeaseRow[] = [];
    renew(rows, 'a', { used: 0, want: 500 });
    // A late, smaller demand (sent before the 500 was granted) does not take it back.
    expect(renew(rows, 'a', { used: 0, want: 100 })).toBe(500);
  });
});
