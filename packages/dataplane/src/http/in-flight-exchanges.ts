/** What the registry keeps in an entry: its own position, -1 while it is not registered. */
export interface InFlightEntry {
  inFlightIndex: number;
}

/**
 * The requests being served: counted for the in-flight gauge and the drain at shutdown, and
 * listed there to force-close the ones still open after the grace period.
 *
 * An array with swap-remove, each entry holding its own index, rather than a Set. A Set that
 * takes one entry per request and drops it when the request ends is rebuilt every few dozen
 * requests, and V8 builds the new table in the old generation once the Set's table is there
 * (any full collection puts it there), keeping the obsolete table with its entries and a link
 * to its successor. Those dead old tables point at young exchanges, so every young-generation
 * collection until the next full one took each exchange, and everything its handlers reach
 * (the request's record, closures, body), for alive, copied it and promoted it: ~2 KB per
 * request under load, most of what the data plane promoted (issue 11, `--trace-gc-nvp`). An
 * array clears a slot when it is vacated and leaves nothing behind.
 */
export class InFlightExchanges<T extends InFlightEntry> {
  readonly #entries: T[] = [];

  get size(): number {
    return this.#entries.length;
  }

  add(entry: T): void {
    if (entry.inFlightIndex !== -1) return;
    entry.inFlightIndex = this.#entries.length;
    this.#entries.push(entry);
  }

  /** Removes `entry` (the last one takes its slot); false when it was not registered. */
  delete(entry: T): boolean {
    const at = entry.inFlightIndex;
    if (at === -1 || this.#entries[at] !== entry) return false;
    const last = this.#entries.pop()!;
    if (last !== entry) {
      this.#entries[at] = last;
      last.inFlightIndex = at;
    }
    entry.inFlightIndex = -1;
    return true;
  }

  /** The entries now, as a copy: closing one may remove it while the caller goes through them. */
  list(): T[] {
    return this.#entries.slice();
  }
}
