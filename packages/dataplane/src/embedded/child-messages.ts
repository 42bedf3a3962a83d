/**
 * Messages between `relay start` (the parent: control plane, PGlite, chDB) or the
 * `relay dataplane` worker supervisor and the data plane it runs as a child process, over Node's
 * IPC channel. Snapshots and events do not travel here:
 * the child long-polls the parent's /internal/v1/snapshot and posts events to /internal/v1/events
 * like any separate data plane. The channel carries only lifecycle and acknowledgements.
 */

/** Child → parent. */
export type DataplaneChildMessage =
  /** Listening on `port`, with the snapshot it serves from (null when none could be fetched yet). */
  | { type: 'ready'; port: number; snapshotVersion: number | null }
  /** A snapshot was swapped in; a mutation waiting for this version may answer. */
  | { type: 'snapshot-applied'; version: number }
  /** Start-up failed; the message is written for the operator and holds no secret. */
  | { type: 'failed'; message: string }
  /** A worker was scraped: it asks the supervisor for every worker's metrics (answered by 'metrics-gathered'). */
  | { type: 'metrics-gather'; id: number }
  /** A worker's own metrics text, answering 'metrics-request'. */
  | { type: 'metrics-text'; id: number; text: string };

/** Parent → child. */
export type DataplaneParentMessage =
  /** Stop accepting, let requests in flight finish, drain events, then exit 0. */
  | { type: 'close' }
  /** The supervisor wants this worker's own metrics text. */
  | { type: 'metrics-request'; id: number }
  /** Every worker's metrics merged, answering 'metrics-gather' (null if the supervisor could not gather them). */
  | { type: 'metrics-gathered'; id: number; text: string | null };

const CHILD_TYPES = new Set(['ready', 'snapshot-applied', 'failed', 'metrics-gather', 'metrics-text']);
const PARENT_TYPES = new Set(['close', 'metrics-request', 'metrics-gathered']);

/** True for a well-formed message from the child (the channel is ours, but a check costs nothing). */
export function isDataplaneChildMessage(value: unknown): value is DataplaneChildMessage {
  if (typeof value !== 'object' || value === null) return false;
  return CHILD_TYPES.has((value as { type?: unknown }).type as string);
}

/** True for a well-formed message from the parent. */
export function isDataplaneParentMessage(value: unknown): value is DataplaneParentMessage {
  return typeof value === 'object' && value !== null && PARENT_TYPES.has((value as { type?: unknown }).type as string);
}
