import { matchBearerToken } from '@proxystacks/shared/crypto/constant-time';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { ClickHouse } from '../analytics/clickhouse.ts';
import type { PrismaClient } from '../generated/prisma/client.ts';
import type { ConfigSnapshot } from '@proxystacks/shared/snapshot/config-snapshot';
import type { SnapshotPublisher } from '../domain/snapshot-publisher.ts';
import type { BatchIdMemory } from './batch-id-memory.ts';
import type { RequestTail } from '../analytics/request-tail.ts';
import { ingestEvents } from './ingest-events.ts';
import { createPreviousTokenSnapshots } from './snapshot-for-token.ts';
import { INTERNAL_QUOTA_PATH } from '@proxystacks/shared/quota/lease-protocol';
import { serveQuotaLease } from '../quota/quota-endpoint.ts';
import type { QuotaService } from '../quota/quota-service.ts';
import { DEPLOYMENT_HEALTH_PATH } from '@proxystacks/shared/health/deployment-health';
import { serveDeploymentHealth } from '../health/deployment-health-endpoint.ts';
import type { DeploymentHealthStore } from '../health/deployment-health-store.ts';

/** Paths data planes call; they match the data plane's snapshot client and control plane sink. */
export const INTERNAL_SNAPSHOT_PATH = '/internal/v1/snapshot';
export const INTERNAL_EVENTS_PATH = '/internal/v1/events';

export interface InternalApiDeps {
  internalToken: string;
  /** During a token rotation, the token being retired (RELAY_INTERNAL_TOKEN_PREVIOUS): still accepted. */
  internalTokenPrevious?: string | null;
  publisher: SnapshotPublisher;
  clickhouse: ClickHouse;
  /** Recent event batch ids with their content hash (409 on a conflicting reuse). */
  batches: BatchIdMemory;
  logger: Pick<Logger, 'warn' | 'error'>;
  /** Hands out budget and rate-limit capacity (POST /internal/v1/quota); absent = no such path. */
  quota?: QuotaService;
  /** Where ingested priced requests are debited; absent = events only (tests of the event path). */
  prisma?: PrismaClient;
  /** Keeps the data planes' deployment health (POST DEPLOYMENT_HEALTH_PATH); absent = no such path. */
  deploymentHealth?: DeploymentHealthStore;
  /** Where ingested events are published for the live tail; absent = no tail. */
  tail?: RequestTail;
}

/**
 * The plane-to-plane API, authenticated with RELAY_INTERNAL_TOKEN (or, during a rotation,
 * RELAY_INTERNAL_TOKEN_PREVIOUS: such a caller gets its snapshot credentials sealed under that
 * token's key, see snapshot-for-token.ts):
 * - GET  /internal/v1/snapshot — the current config snapshot; `If-None-Match: "<hash>"` → 304.
 * - POST /internal/v1/events   — a batch of request events from a data plane without its own
 *   ClickHouse access, debited to the ledger after the insert (see ingest-events.ts for what each
 *   answer tells the sender); `?ledger=only` from a data plane that writes ClickHouse itself.
 * - POST /internal/v1/quota    — lease renewal: budget and rate-limit capacity (quota/quota-service.ts).
 * - POST /internal/v1/deployment-health — a data plane instance's latest deployment health (health/).
 * Returns false when the path is not one of these.
 */
export async function handleInternal(req: IncomingMessage, res: ServerResponse, path: string, deps: InternalApiDeps): Promise<boolean> {
  if (path !== INTERNAL_SNAPSHOT_PATH && path !== INTERNAL_EVENTS_PATH && (path !== INTERNAL_QUOTA_PATH || deps.quota === undefined) && (path !== DEPLOYMENT_HEALTH_PATH || deps.deploymentHealth === undefined)) {
    return false;
  }
  const previous = deps.internalTokenPrevious ?? null;
  const tokenIndex = matchBearerToken(req.headers.authorization, previous === null ? [deps.internalToken] : [deps.internalToken, previous]);
  if (tokenIndex === -1) {
    sendJson(res, 401, { error: { message: 'Internal token missing or not accepted.', code: 'unauthenticated' } });
    return true;
  }
  if (path === INTERNAL_SNAPSHOT_PATH) {
    if (req.method !== 'GET') return methodNotAllowed(res, 'GET');
    await serveSnapshot(req, res, deps.publisher, tokenIndex === 0 || previous === null ? sameSnapshot : previousTokenView(deps, previous));
    return true;
  }
  if (req.method !== 'POST') return methodNotAllowed(res, 'POST');
  if (path === INTERNAL_QUOTA_PATH) await serveQuotaLease(req, res, deps.quota!, deps.logger);
  else if (path === DEPLOYMENT_HEALTH_PATH) await serveDeploymentHealth(req, res, deps.deploymentHealth!);
  else await ingestEvents(req, res, deps);
  return true;
}

/** Longest a snapshot request may be held open waiting for a change. */
const MAX_WAIT_SECONDS = 30;

/**
 * The current snapshot, or 304 when the caller's ETag is current. With `?wait=<seconds>` an
 * unchanged snapshot is not answered at once: the request is held until the next snapshot
 * (then 200) or the wait runs out (then 304). Data planes long-poll this way, so a revocation
 * reaches them as soon as it is published instead of at their next poll.
 */
async function serveSnapshot(
  req: IncomingMessage,
  res: ServerResponse,
  publisher: SnapshotPublisher,
  view: (snapshot: ConfigSnapshot) => ConfigSnapshot,
): Promise<void> {
  const waitSeconds = Math.min(Number(new URL(req.url ?? '/', 'http://x').searchParams.get('wait') ?? 0) || 0, MAX_WAIT_SECONDS);
  const etagOf = (snapshot: ConfigSnapshot) => `"${snapshot.hash}"`;
  const current = () => view(publisher.current());
  let snapshot = current();
  if (req.headers['if-none-match'] === etagOf(snapshot) && waitSeconds > 0) {
    snapshot = await new Promise<ConfigSnapshot>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        unsubscribe();
        res.off('close', onClose);
        resolve(current());
      };
      const onClose = () => done();
      const timer = setTimeout(done, waitSeconds * 1000);
      const unsubscribe = publisher.subscribe(done);
      res.on('close', onClose);
    });
  }
  if (res.destroyed) return;
  const etag = etagOf(snapshot);
  if (req.headers['if-none-match'] === etag) {
    res.writeHead(304, { etag }).end();
    return;
  }
  sendJson(res, 200, snapshot, { etag, 'cache-control': 'no-store' });
}

function sameSnapshot(snapshot: ConfigSnapshot): ConfigSnapshot {
  return snapshot;
}

/** One re-sealing view per deps object (one per server), so its cache serves every data plane still on the previous token. */
const previousTokenViews = new WeakMap<InternalApiDeps, (snapshot: ConfigSnapshot) => ConfigSnapshot>();

function previousTokenView(deps: InternalApiDeps, previous: string): (snapshot: ConfigSnapshot) => ConfigSnapshot {
  let view = previousTokenViews.get(deps);
  if (view === undefined) {
    view = createPreviousTokenSnapshots(deps.internalToken, previous);
    previousTokenViews.set(deps, view);
  }
  return view;
}

function methodNotAllowed(res: ServerResponse, allow: string): true {
  sendJson(res, 405, { error: { message: `Use ${allow}.`, code: 'method_not_allowed' } }, { allow });
  return true;
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}
