/** When a crashed worker is restarted, and when the supervisor stops trying. */
export interface RestartPolicy {
  /** Pause before the first restart; doubled for each further crash inside the window. */
  initialDelayMs: number;
  maxDelayMs: number;
  /** This many crashes of one worker inside `windowMs` is a crash loop: the supervisor gives up. */
  maxCrashes: number;
  windowMs: number;
}

/** What to do after a crash: restart after `delayMs`, or give up. */
export type RestartDecision = { giveUp: false; delayMs: number; recentCrashes: number[] } | { giveUp: true; recentCrashes: number[] };

/**
 * Decides on one worker's crash at `nowMs`, given its earlier crash times: the crashes inside the
 * window (this one included) set the backoff, and `maxCrashes` of them is a crash loop.
 */
export function decideRestart(policy: RestartPolicy, earlierCrashesMs: readonly number[], nowMs: number): RestartDecision {
  const recentCrashes = [...earlierCrashesMs.filter((at) => nowMs - at < policy.windowMs), nowMs];
  if (recentCrashes.length >= policy.maxCrashes) return { giveUp: true, recentCrashes };
  const delayMs = Math.min(policy.maxDelayMs, policy.initialDelayMs * 2 ** (recentCrashes.length - 1));
  return { giveUp: false, delayMs, recentCrashes };
}
