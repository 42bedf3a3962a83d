import type { DeploymentHealthBatch, DeploymentHealthReport } from '@proxystacks/shared/health/deployment-health';
import { mergeDeploymentReports, type MergedDeploymentHealth } from './merge-deployment-health.ts';

/** Options of {@link createDeploymentHealthStore}. */
export interface DeploymentHealthStoreOptions {
  /** The data planes' HEALTH_REPORT_INTERVAL_MS; an instance unheard for 3 of these is dropped. */
  intervalMs: number;
  /** The control plane's clock (epoch ms); default Date.now. Expiry never trusts a sender's clock. */
  now?: () => number;
  /** Most instances tracked at once; a new one beyond this is refused (default 1 000). */
  maxInstances?: number;
}

/** The latest health every live data plane instance reported, merged per deployment. */
export interface DeploymentHealthStore {
  /** Keeps `batch` as its instance's latest; false when refused because too many instances are live. */
  accept(batch: DeploymentHealthBatch): boolean;
  /** The merged health of a deployment some live instance reports; undefined without evidence. */
  get(deploymentId: string): MergedDeploymentHealth | undefined;
  /** Live instances right now. */
  instanceCount(): number;
  /** Calls `listener` whenever a deployment's merged state changes (or appears, or expires). Returns the unsubscribe. */
  subscribe(listener: () => void): () => void;
  /** Sweeps expired instances every interval (so subscribers hear of a silent data plane). */
  start(): void;
  stop(): void;
}

/** Instances unheard for this many intervals are dropped: one lost report is not an outage, three are. */
export const EXPIRY_INTERVALS = 3;

/**
 * In memory on purpose: health is a few seconds' observation, worthless after a restart (the
 * data planes resend within an interval), and must never cost a database write per report.
 * Each instance's latest batch replaces its previous one; merged figures are rebuilt on change.
 */
export function createDeploymentHealthStore(options: DeploymentHealthStoreOptions): DeploymentHealthStore {
  const now = options.now ?? Date.now;
  const maxInstances = options.maxInstances ?? 1_000;
  const expiryMs = EXPIRY_INTERVALS * options.intervalMs;
  const instances = new Map<string, { receivedAtMs: number; deployments: readonly DeploymentHealthReport[] }>();
  const listeners = new Set<() => void>();
  let merged = new Map<string, MergedDeploymentHealth>();
  let timer: NodeJS.Timeout | null = null;

  /** Drops silent instances; true when any was dropped. */
  function expire(): boolean {
    const cutoff = now() - expiryMs;
    let dropped = false;
    for (const [id, entry] of instances) {
      if (entry.receivedAtMs >= cutoff) continue;
      instances.delete(id);
      dropped = true;
    }
    return dropped;
  }

  function rebuild(): void {
    const byDeployment = new Map<string, DeploymentHealthReport[]>();
    for (const { deployments } of instances.values()) {
      for (const report of deployments) {
        const list = byDeployment.get(report.deploymentId);
        if (list === undefined) byDeployment.set(report.deploymentId, [report]);
        else list.push(report);
      }
    }
    const previous = merged;
    merged = new Map([...byDeployment].map(([id, reports]) => [id, mergeDeploymentReports(reports)]));
    if (statesDiffer(previous, merged)) for (const listener of listeners) listener();
  }

  return {
    accept(batch) {
      expire();
      if (!instances.has(batch.instanceId) && instances.size >= maxInstances) return false;
      instances.set(batch.instanceId, { receivedAtMs: now(), deployments: batch.deployments });
      rebuild();
      return true;
    },
    get(deploymentId) {
      if (expire()) rebuild();
      return merged.get(deploymentId);
    },
    instanceCount() {
      if (expire()) rebuild();
      return instances.size;
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },
    start() {
      if (timer !== null) return;
      timer = setInterval(() => {
        if (expire()) rebuild();
      }, options.intervalMs);
      timer.unref();
    },
    stop() {
      if (timer !== null) clearInterval(timer);
      timer = null;
    },
  };
}

function statesDiffer(a: ReadonlyMap<string, MergedDeploymentHealth>, b: ReadonlyMap<string, MergedDeploymentHealth>): boolean {
  if (a.size !== b.size) return true;
  for (const [id, health] of b) if (a.get(id)?.state !== health.state) return true;
  return false;
}
