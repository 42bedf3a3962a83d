/**
 * Messages between `relay start` (the parent: control plane, PGlite, chDB) and the data plane
 * it runs as a child process, over Node's IPC channel. Snapshots and events do not travel here:
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
  | { type: 'failed'; message: string };

/** Parent → child. */
export type DataplaneParentMessage =
  /** Stop accepting, let requests in flight finish, drain events, then exit 0. */
  { type: 'close' };

/** True for a well-formed message from the child (the channel is ours, but a check costs nothing). */
export function isDataplaneChildMessage(value: unknown): value is DataplaneChildMessage {
  if (typeof value !== 'object' || value === null) return false;
  const type = (value as { type?: unknown }).type;
  return type === 'ready' || type === 'snapshot-applied' || type === 'failed';
}

/** True for a well-formed message from the parent. */
export function isDataplaneParentMessage(value: unknown): value is DataplaneParentMessage {
  return typeof value === 'object' && value !== null && (value as { type?: unknown }).type === 'close';
}
