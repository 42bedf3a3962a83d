/** How many extra upstream attempts the data plane may make (UPSTREAM_RETRY_BUDGET_* settings). */
export interface RetryBudgetSettings {
  /** Retry tokens each first attempt earns: 0.2 = at most ~20 % extra attempts. */
  readonly ratio: number;
  /** Retries allowed per second whatever the traffic, so a quiet gateway can still retry. */
  readonly minPerSecond: number;
  /** Most tokens banked, so a long calm cannot pay for a burst of retries later. */
  readonly maxBalance: number;
}

export const DEFAULT_RETRY_BUDGET: RetryBudgetSettings = { ratio: 0.2, minPerSecond: 5, maxBalance: 100 };

/**
 * The data plane's retry budget (issue 9): a token bucket every retry and fallback attempt draws
 * from, so an outage cannot turn into a retry storm that multiplies the load on the providers
 * that still work. Each request's first attempt deposits `ratio` of a token, each later attempt
 * withdraws one; besides, `minPerSecond` retries refill with time. One per process, shared by
 * every request: two numbers and a timestamp, no allocation.
 */
export class RetryBudget {
  readonly #settings: RetryBudgetSettings;
  #balance = 0;
  #floor: number;
  #floorAtMs: number | null = null;
  /** Retries refused since start, for /metrics. */
  refused = 0;

  constructor(settings: Partial<RetryBudgetSettings> = {}) {
    this.#settings = { ...DEFAULT_RETRY_BUDGET, ...settings };
    this.#floor = this.#settings.minPerSecond;
  }

  /** A request made its first attempt. */
  deposit(): void {
    this.#balance = Math.min(this.#settings.maxBalance, this.#balance + this.#settings.ratio);
  }

  /** Takes one retry token; false when the budget is spent (the request then stops retrying). */
  tryWithdraw(nowMs: number): boolean {
    const { minPerSecond } = this.#settings;
    if (this.#floorAtMs !== null) this.#floor = Math.min(minPerSecond, this.#floor + ((nowMs - this.#floorAtMs) / 1000) * minPerSecond);
    this.#floorAtMs = nowMs;
    if (this.#floor >= 1) {
      this.#floor -= 1;
      return true;
    }
    if (this.#balance >= 1) {
      this.#balance -= 1;
      return true;
    }
    this.refused++;
    return false;
  }
}
