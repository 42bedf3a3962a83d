import type { BreakerState, DeploymentHealthReport, DeploymentState } from '@proxystacks/shared/health/deployment-health';
import type { CompiledDeployment } from '../snapshot/compiled-snapshot.ts';

/** When a deployment's breaker trips and how long it stays out (UPSTREAM_BREAKER_* settings). */
export interface BreakerSettings {
  /** Trips after this many failures in a row. */
  readonly consecutiveFailures: number;
  /** …or when the window's error rate reaches this (parts per million)… */
  readonly errorRatePpm: number;
  /** …over at least this many attempts in the window (a few failures of little traffic prove nothing). */
  readonly minWindowAttempts: number;
  /** The sliding window the error rate and "recent" figures cover. */
  readonly windowMs: number;
  /** Ejection after the first trip; each trip within a window of the last doubles it… */
  readonly ejectionMs: number;
  /** …up to this. */
  readonly maxEjectionMs: number;
  /** A closed breaker whose window error rate reaches this is reported `degraded`. */
  readonly degradedErrorRatePpm: number;
}

export const DEFAULT_BREAKER_SETTINGS: BreakerSettings = {
  consecutiveFailures: 5,
  errorRatePpm: 500_000,
  minWindowAttempts: 20,
  windowMs: 60_000,
  ejectionMs: 5_000,
  maxEjectionMs: 300_000,
  degradedErrorRatePpm: 100_000,
};

/**
 * What the breaker said for one attempt: `pass` (closed), `probe` (the one half-open trial;
 * it must end in succeeded, failed or released), or `skip` (open, or another probe is out).
 */
export type BreakerAdmission = 'pass' | 'probe' | 'skip';

/** Window buckets: the error rate is a sum of BUCKETS counters, not a list of attempts. */
const BUCKETS = 10;
/** Weight of the newest sample in the latency moving averages (exponentially weighted). */
const EWMA_WEIGHT = 0.2;

/** One deployment's breaker and figures. */
class Circuit {
  breaker: BreakerState = 'closed';
  consecutiveFailures = 0;
  /** Trips in a row (the ejection doubles with each); reset after a window without one. */
  trips = 0;
  lastTripAtMs = 0;
  reopensAtMs = 0;
  /** When the half-open probe went out; -1 when none is out. */
  probeSinceMs = -1;
  latencyAvgMs: number | null = null;
  ttftAvgMs: number | null = null;
  lastErrorCode = '';
  observedAtMs = 0;
  readonly attempts = new Uint32Array(BUCKETS);
  readonly failures = new Uint32Array(BUCKETS);
  /** Which time slot each bucket currently counts (slot = floor(now / bucketMs)). */
  readonly slots = new Float64Array(BUCKETS).fill(-1);

  constructor(
    readonly deploymentId: string,
    readonly providerId: string,
    readonly upstreamModel: string,
  ) {}
}

/**
 * Per-deployment circuit breakers and health figures of one data plane process (issue 9).
 *
 * A breaker trips on `consecutiveFailures` in a row, or on an error rate of `errorRatePpm` over
 * the sliding window once it saw `minWindowAttempts` there. Open, its deployment is skipped at
 * once (no request waits for a dead provider's timeout); after the ejection time one probe at a
 * time goes through (half-open): success closes it, failure opens it again for twice as long
 * (capped). Everything is O(1) per attempt: a map lookup and a few counters.
 *
 * It also keeps moving averages of latency and time to first token (least-latency routing reads
 * them) and computes each deployment's state for the control plane (report()).
 */
export class DeploymentHealth {
  readonly #settings: BreakerSettings;
  readonly #bucketMs: number;
  readonly #circuits = new Map<string, Circuit>();
  /** Deployments of the current snapshot, so ones never tried yet are reported as standby. */
  readonly #known: () => Iterable<CompiledDeployment>;
  /** Trips since start, for /metrics. */
  trips = 0;
  /** Told when a breaker opens or closes, so the health reporter sends at once (not at its next interval). */
  readonly #listeners = new Set<() => void>();

  constructor(settings: Partial<BreakerSettings> = {}, known: () => Iterable<CompiledDeployment> = () => []) {
    this.#settings = { ...DEFAULT_BREAKER_SETTINGS, ...settings };
    this.#bucketMs = Math.max(1, Math.floor(this.#settings.windowMs / BUCKETS));
    this.#known = known;
  }

  /** Whether `deployment` may be tried now; a `probe` must be concluded (succeeded/failed/released). */
  admit(deployment: CompiledDeployment, nowMs: number): BreakerAdmission {
    const circuit = this.#circuits.get(deployment.id);
    if (circuit === undefined || circuit.breaker === 'closed') return 'pass';
    if (circuit.breaker === 'open') {
      if (nowMs < circuit.reopensAtMs) return 'skip';
      circuit.breaker = 'half_open';
    }
    // Half-open: one probe at a time. A probe nobody concluded (a bug, a lost promise) does not
    // keep the deployment out forever: after one more ejection time another may go.
    if (circuit.probeSinceMs !== -1 && nowMs - circuit.probeSinceMs < this.#ejectionFor(circuit.trips)) return 'skip';
    circuit.probeSinceMs = nowMs;
    return 'probe';
  }

  /** The attempt got an answer. `ttftMs` is the attempt's own time to first token (streams). */
  succeeded(deployment: CompiledDeployment, nowMs: number, latencyMs: number | null, ttftMs: number | null = null): void {
    const circuit = this.#circuit(deployment);
    this.#count(circuit, nowMs, false);
    circuit.consecutiveFailures = 0;
    if (latencyMs !== null) circuit.latencyAvgMs = ewma(circuit.latencyAvgMs, latencyMs);
    if (ttftMs !== null) circuit.ttftAvgMs = ewma(circuit.ttftAvgMs, ttftMs);
    if (circuit.breaker !== 'closed') {
      circuit.breaker = 'closed';
      circuit.probeSinceMs = -1;
      circuit.reopensAtMs = 0;
      this.#changed();
    }
  }

  /** Calls `onStateChange` whenever a breaker opens or closes; returns the unsubscribe (DeploymentHealthSource). */
  subscribe(onStateChange: () => void): () => void {
    this.#listeners.add(onStateChange);
    return () => this.#listeners.delete(onStateChange);
  }

  #changed(): void {
    for (const listener of this.#listeners) listener();
  }

  /** The attempt failed in a way that says something about the deployment (see breakerFailure). */
  failed(deployment: CompiledDeployment, nowMs: number, code: string): void {
    const circuit = this.#circuit(deployment);
    this.#count(circuit, nowMs, true);
    circuit.consecutiveFailures++;
    circuit.lastErrorCode = code;
    if (circuit.breaker === 'half_open') {
      this.#trip(circuit, nowMs);
      return;
    }
    if (circuit.breaker !== 'closed') return;
    if (circuit.consecutiveFailures >= this.#settings.consecutiveFailures) {
      this.#trip(circuit, nowMs);
      return;
    }
    const { attempts, failures } = this.#window(circuit, nowMs);
    if (attempts >= this.#settings.minWindowAttempts && failures * 1_000_000 >= this.#settings.errorRatePpm * attempts) this.#trip(circuit, nowMs);
  }

  /** An attempt that ended without a verdict (client gone, the gateway's own refusal): frees a probe. */
  released(deployment: CompiledDeployment): void {
    const circuit = this.#circuits.get(deployment.id);
    if (circuit !== undefined) circuit.probeSinceMs = -1;
  }

  /** Epoch ms when the first of `deployments` lets a probe through again (for `retry-after`). */
  reopensAtMs(deployments: readonly CompiledDeployment[]): number {
    let soonest = Infinity;
    for (const d of deployments) {
      const circuit = this.#circuits.get(d.id);
      if (circuit !== undefined && circuit.reopensAtMs < soonest) soonest = circuit.reopensAtMs;
    }
    return soonest;
  }

  /** Moving average least-latency routing orders by: TTFT for streams, whole-answer latency otherwise; null = not measured. */
  speedOf(deploymentId: string, streamed: boolean): number | null {
    const circuit = this.#circuits.get(deploymentId);
    if (circuit === undefined) return null;
    return streamed ? (circuit.ttftAvgMs ?? circuit.latencyAvgMs) : circuit.latencyAvgMs;
  }

  /** The breaker state of `deploymentId` ('closed' when never seen). */
  breakerOf(deploymentId: string): BreakerState {
    return this.#circuits.get(deploymentId)?.breaker ?? 'closed';
  }

  /**
   * Every deployment of the current snapshot and every one seen recently, with its state (the
   * contract in shared/src/health/deployment-health.ts). Circuits of deployments no longer in
   * the snapshot are dropped once their window is quiet.
   */
  report(nowMs: number): DeploymentHealthReport[] {
    const out: DeploymentHealthReport[] = [];
    const seen = new Set<string>();
    for (const d of this.#known()) {
      if (seen.has(d.id)) continue;
      seen.add(d.id);
      const circuit = this.#circuits.get(d.id) ?? new Circuit(d.id, d.provider.id, d.upstreamModel);
      out.push(this.#reportOf(circuit, nowMs));
    }
    for (const [id, circuit] of this.#circuits) {
      if (seen.has(id)) continue;
      if (circuit.breaker === 'closed' && nowMs - circuit.observedAtMs > this.#settings.windowMs) {
        this.#circuits.delete(id);
        continue;
      }
      out.push(this.#reportOf(circuit, nowMs));
    }
    return out;
  }

  #reportOf(circuit: Circuit, nowMs: number): DeploymentHealthReport {
    const { attempts, failures } = this.#window(circuit, nowMs);
    const errorRatePpm = attempts === 0 ? 0 : Math.round((failures * 1_000_000) / attempts);
    // An open breaker whose ejection is over is half-open in effect: the next request probes it.
    const breaker: BreakerState = circuit.breaker === 'open' && nowMs >= circuit.reopensAtMs ? 'half_open' : circuit.breaker;
    let state: DeploymentState;
    if (breaker === 'open') state = 'down';
    else if (breaker === 'half_open' || (attempts > 0 && errorRatePpm >= this.#settings.degradedErrorRatePpm)) state = 'degraded';
    else state = attempts === 0 ? 'standby' : 'online';
    return {
      deploymentId: circuit.deploymentId,
      providerId: circuit.providerId,
      upstreamModel: circuit.upstreamModel,
      state,
      breaker,
      recentAttempts: attempts,
      recentFailures: failures,
      errorRatePpm,
      consecutiveFailures: circuit.consecutiveFailures,
      latencyAvgMs: circuit.latencyAvgMs === null ? null : Math.round(circuit.latencyAvgMs),
      ttftAvgMs: circuit.ttftAvgMs === null ? null : Math.round(circuit.ttftAvgMs),
      lastErrorCode: circuit.lastErrorCode,
      reopensAtMs: breaker === 'open' ? circuit.reopensAtMs : null,
      observedAtMs: circuit.observedAtMs === 0 ? nowMs : circuit.observedAtMs,
    };
  }

  #circuit(deployment: CompiledDeployment): Circuit {
    let circuit = this.#circuits.get(deployment.id);
    if (circuit === undefined) {
      circuit = new Circuit(deployment.id, deployment.provider.id, deployment.upstreamModel);
      this.#circuits.set(deployment.id, circuit);
    }
    return circuit;
  }

  #trip(circuit: Circuit, nowMs: number): void {
    // Trips close together mean the provider keeps failing: each doubles the ejection. A full
    // window since the last trip starts over from the base time.
    if (circuit.trips > 0 && nowMs - circuit.lastTripAtMs > this.#settings.windowMs + this.#ejectionFor(circuit.trips - 1)) circuit.trips = 0;
    circuit.breaker = 'open';
    circuit.reopensAtMs = nowMs + this.#ejectionFor(circuit.trips);
    circuit.trips++;
    circuit.lastTripAtMs = nowMs;
    circuit.probeSinceMs = -1;
    this.trips++;
    this.#changed();
  }

  #ejectionFor(trips: number): number {
    return Math.min(this.#settings.maxEjectionMs, this.#settings.ejectionMs * 2 ** Math.min(trips, 30));
  }

  #count(circuit: Circuit, nowMs: number, failed: boolean): void {
    circuit.observedAtMs = nowMs;
    const slot = Math.floor(nowMs / this.#bucketMs);
    const i = slot % BUCKETS;
    if (circuit.slots[i] !== slot) {
      circuit.slots[i] = slot;
      circuit.attempts[i] = 0;
      circuit.failures[i] = 0;
    }
    circuit.attempts[i]!++;
    if (failed) circuit.failures[i]!++;
  }

  #window(circuit: Circuit, nowMs: number): { attempts: number; failures: number } {
    const oldest = Math.floor(nowMs / this.#bucketMs) - BUCKETS + 1;
    let attempts = 0;
    let failures = 0;
    for (let i = 0; i < BUCKETS; i++) {
      if (circuit.slots[i]! < oldest) continue;
      attempts += circuit.attempts[i]!;
      failures += circuit.failures[i]!;
    }
    return { attempts, failures };
  }
}

function ewma(average: number | null, sample: number): number {
  return average === null ? sample : average + EWMA_WEIGHT * (sample - average);
}
