import type { RequestEvent } from '@proxystacks/shared/events/request-event';

/**
 * The live tail's in-process pub/sub: the ingest path publishes each batch of events as it is
 * stored, and every `requestTail` subscriber gets the ones it matches through its own bounded
 * queue. A subscriber that reads slower than requests arrive loses the newest events once its
 * queue is full (the publisher never waits and memory never grows) and is told how many it
 * missed before its next event. Per control plane process: a subscriber sees the events this
 * process ingests (see README: live tail).
 */
export interface RequestTail {
  /** Hands `events` to every matching subscriber; never blocks, never throws. */
  publish(events: readonly RequestEvent[]): void;
  /** The events matching `matches` from now on, until the iterator is returned (the client went away). */
  subscribe(matches: (event: RequestEvent) => boolean): AsyncIterableIterator<TailDelivery>;
  /** Subscribers right now (tests, metrics). */
  subscriberCount(): number;
}

/** One item of a subscription: an event, or how many were dropped since the last item. */
export type TailDelivery = { kind: 'event'; event: RequestEvent } | { kind: 'dropped'; count: number };

/** Events a subscriber may have waiting before newer ones are dropped. */
export const TAIL_BUFFER_EVENTS = 1000;

interface Subscriber {
  matches(event: RequestEvent): boolean;
  /**
   * Events in order, with a `dropped` marker where events were lost: at most bufferEvents + 1
   * items, since drops while the queue is full add to the marker at its end.
   */
  queue: TailDelivery[];
  /** Resolves the pending next() when the queue was empty. */
  wake: (() => void) | null;
}

/** Creates the pub/sub; `bufferEvents` bounds each subscriber's queue. */
export function createRequestTail(options: { bufferEvents?: number } = {}): RequestTail {
  const bufferEvents = options.bufferEvents ?? TAIL_BUFFER_EVENTS;
  const subscribers = new Set<Subscriber>();

  function publish(events: readonly RequestEvent[]): void {
    for (const subscriber of subscribers) {
      const queued = subscriber.queue.length;
      for (const event of events) {
        if (!subscriber.matches(event)) continue;
        const last = subscriber.queue.at(-1);
        if (subscriber.queue.length < bufferEvents) subscriber.queue.push({ kind: 'event', event });
        else if (last?.kind === 'dropped') last.count += 1;
        else subscriber.queue.push({ kind: 'dropped', count: 1 });
      }
      if (subscriber.queue.length > queued && subscriber.wake !== null) {
        const wake = subscriber.wake;
        subscriber.wake = null;
        wake();
      }
    }
  }

  function subscribe(matches: (event: RequestEvent) => boolean): AsyncIterableIterator<TailDelivery> {
    const subscriber: Subscriber = { matches, queue: [], wake: null };
    subscribers.add(subscriber);
    let done = false;
    const finish = (): IteratorResult<TailDelivery> => {
      done = true;
      subscribers.delete(subscriber);
      subscriber.queue.length = 0;
      subscriber.wake?.();
      subscriber.wake = null;
      return { done: true, value: undefined };
    };
    const iterator: AsyncIterableIterator<TailDelivery> = {
      async next() {
        while (!done) {
          const item = subscriber.queue.shift();
          if (item !== undefined) return { done: false, value: item };
          await new Promise<void>((resolve) => {
            subscriber.wake = resolve;
          });
        }
        return { done: true, value: undefined };
      },
      async return() {
        return finish();
      },
      async throw(err?: unknown) {
        finish();
        throw err;
      },
      [Symbol.asyncIterator]() {
        return iterator;
      },
    };
    return iterator;
  }

  return { publish, subscribe, subscriberCount: () => subscribers.size };
}
