import type { ModelList, ModelObject } from '@proxystacks/shared/openai/wire';
import { RelayError } from '@proxystacks/shared/errors/relay-error';
import { authenticate } from '../auth/authenticate.ts';
import type { EventQueueStats } from '../events/event-queue.ts';
import type { Exchange } from '../http/exchange.ts';
import type { CompiledSnapshot } from '../snapshot/compiled-snapshot.ts';
import type { SnapshotStore } from '../snapshot/snapshot-store.ts';

/**
 * `GET /v1/models`: the aliases this key may call (its allow-list, its environment's routes), in
 * OpenAI's list shape, so SDKs and tools that discover models work unchanged. Needs a usable
 * key, like OpenAI's: refused with the same codes as a chat completion.
 */
export function serveModels(ex: Exchange, snapshots: SnapshotStore, keySecret: string): void {
  try {
    const snapshot = snapshots.current();
    if (snapshot === null) throw new RelayError('not_ready', 'The gateway has not received its configuration yet. Retry shortly.');
    const key = authenticate(ex.authorization, snapshot, keySecret);
    const list: ModelList = { object: 'list', data: key.models.map((id) => modelObject(id, snapshot)) };
    ex.sendJson(200, JSON.stringify(list));
  } catch (err) {
    ex.sendError(err);
  }
}

/**
 * `GET /v1/models/{id}`: one alias of `GET /v1/models`, in OpenAI's model object shape. `path`
 * is the raw request path; the id after `/v1/models/` is URL-decoded, so an alias with a slash
 * is found both as `a%2Fb` (what the OpenAI SDKs send) and as `a/b`. An alias that does not
 * exist and one this key may not see (allow-list, environment) get the same 404: the answer
 * must not tell a restricted key which other aliases exist.
 */
export function serveModel(ex: Exchange, snapshots: SnapshotStore, keySecret: string, path: string): void {
  try {
    const snapshot = snapshots.current();
    if (snapshot === null) throw new RelayError('not_ready', 'The gateway has not received its configuration yet. Retry shortly.');
    const key = authenticate(ex.authorization, snapshot, keySecret);
    const id = decodedModelId(path);
    if (id === null || !key.models.includes(id)) {
      const shown = id === null ? '' : ` '${id.slice(0, 256)}'`;
      throw new RelayError('model_not_found', `The model${shown} does not exist or you do not have access to it.`, { param: 'model' });
    }
    const model: ModelObject = modelObject(id, snapshot);
    ex.sendJson(200, JSON.stringify(model));
  } catch (err) {
    ex.sendError(err);
  }
}

const MODEL_PATH_PREFIX = '/v1/models/';

/** The id in `/v1/models/{id}`, URL-decoded; null when it is empty or not valid percent-encoding. */
function decodedModelId(path: string): string | null {
  const raw = path.slice(MODEL_PATH_PREFIX.length);
  if (raw === '') return null;
  try {
    return decodeURIComponent(raw);
  } catch {
    return null;
  }
}

/** An alias as OpenAI's model object; `created` is when the snapshot that holds it was built. */
function modelObject(id: string, snapshot: CompiledSnapshot): ModelObject {
  const created = Math.floor(Date.parse(snapshot.source.createdAt) / 1000) || 0;
  return { id, object: 'model', created, owned_by: 'proxystacks-relay' };
}

/**
 * `GET /healthz`: 200 once a config snapshot is loaded (what a load balancer should wait for),
 * with the real event backlog: events in memory, in the event log not yet acknowledged, in the
 * spool (events, batches, bytes), refused for good, dropped, and disk errors by errno code.
 */
export function serveHealth(ex: Exchange, snapshots: SnapshotStore, events: EventQueueStats, upstream?: { inFlight: number; queued: number }): void {
  const snapshot = snapshots.current();
  const body = JSON.stringify({
    status: snapshot === null ? 'starting' : 'ok',
    snapshot_version: snapshot?.version ?? null,
    events_queued: events.queued,
    events_log_pending: events.logPending,
    events_spooled: events.spoolEvents,
    events_spool_batches: events.spoolBatches,
    events_spool_bytes: events.spoolBytes,
    events_rejected: events.rejectedEvents,
    events_dropped: events.dropped,
    event_disk_errors: events.diskErrors,
    ...(upstream === undefined ? {} : { upstream_in_flight: upstream.inFlight, upstream_queued: upstream.queued }),
  });
  ex.sendJson(snapshot === null ? 503 : 200, body);
}
