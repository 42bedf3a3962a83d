import { describe, expect, it } from 'vitest';
import { decideRestart } from './restart-policy.ts';

const policy = { initialDelayMs: 250, maxDelayMs: 1_000, maxCrashes: 5, windowMs: 60_000 };

describe('decideRestart (issue 11: a crashed worker is restarted, a crash loop is not hidden)', () => {
  it('backs off exponentially up to the cap, then gives up at the fifth crash inside the window', () => {
    let crashes: number[] = [];
    const delays: number[] = [];
    for (let i = 0; i < 4; i++) {
      const decision = decideRestart(policy, crashes, 1_000 * i);
      expect(decision.giveUp).toBe(false);
      if (!decision.giveUp) delays.push(decision.delayMs);
      crashes = decision.recentCrashes;
    }
    expect(delays).toEqual([250, 500, 1_000, 1_000]);
    expect(decideRestart(policy, crashes, 4_000)).toMatchObject({ giveUp: true });
  });

  it('forgets crashes older than the window', () => {
    expect(decideRestart(policy, [0, 1_000, 2_000, 3_000], 70_000)).toEqual({ giveUp: false, delayMs: 250, recentCrashes: [70_000] });
  });
});
