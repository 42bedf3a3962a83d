/**
 * The part of an AbortSignal an upstream call uses: whether it was aborted, why, and one-shot
 * listeners. A real AbortSignal fits it (tests and callers outside the attempt loop may pass one);
 * the attempt loop passes an {@link AttemptAbort}.
 */
export interface AbortSignalLike {
  readonly aborted: boolean;
  readonly reason: unknown;
  addEventListener(type: 'abort', listener: () => void, options?: { once?: boolean }): void;
  removeEventListener(type: 'abort', listener: () => void): void;
}

/**
 * The abort of one upstream attempt: a client disconnect or one of the attempt's deadlines calls
 * {@link abort}, and every listener (the origin gate's wait, the upstream request) tears its part
 * down. It replaces an AbortController per attempt: an AbortSignal is an EventTarget, and making
 * one and listening on it cost ~30 µs of a ~900 µs request under load (issue 11's profile), where
 * this is a flag and a short array. Listeners run once, in the order they were added; a listener
 * added after the abort is never called (like AbortSignal), so check `aborted` first.
 */
export class AttemptAbort implements AbortSignalLike {
  aborted = false;
  reason: unknown = undefined;
  #listeners: Array<() => void> | null = null;

  addEventListener(_type: 'abort', listener: () => void): void {
    if (this.aborted) return;
    (this.#listeners ??= []).push(listener);
  }

  removeEventListener(_type: 'abort', listener: () => void): void {
    const listeners = this.#listeners;
    if (listeners === null) return;
    const at = listeners.indexOf(listener);
    if (at !== -1) listeners.splice(at, 1);
  }

  /** Aborts once; later calls do nothing. The reason defaults to an `AbortError`, as AbortController's does. */
  abort(reason?: unknown): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason ?? new DOMException('This operation was aborted', 'AbortError');
    const listeners = this.#listeners;
    this.#listeners = null;
    if (listeners !== null) for (const listener of listeners) listener();
  }
}
