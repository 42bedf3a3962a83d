import { describe, expect, it } from 'vitest';
import { testRequestEvent } from '@proxystacks/shared/events/test-request-event';
import { createRequestTail, type TailDelivery } from './request-tail.ts';

/** Issue 10: the live tail's pub/sub delivers in order, bounds each subscriber's queue and says what it dropped. */

const event = (n: number, team = 'team-a') => testRequestEvent({ request_id: `req_${String(n).padStart(32, '0')}`, team_id: team });

async function take(iterator: AsyncIterator<TailDelivery>, count: number): Promise<Array<string | number>> {
  const out: Array<string | number> = [];
  for (let i = 0; i < count; i += 1) {
    const { value } = await iterator.next();
    out.push(value.kind === 'event' ? value.event.request_id.slice(-2) : -value.count);
  }
  return out;
}

describe('issue 10: request tail pub/sub', () => {
  it('delivers matching events in order to each subscriber, waiting for the next publish', async () => {
    const tail = createRequestTail();
    const a = tail.subscribe((e) => e.team_id === 'team-a');
    const all = tail.subscribe(() => true);
    const pending = a.next();
    tail.publish([event(1), event(2, 'team-b'), event(3)]);
    expect((await pending).value).toMatchObject({ kind: 'event', event: { request_id: event(1).request_id } });
    expect(await take(a, 1)).toEqual(['03']);
    expect(await take(all, 3)).toEqual(['01', '02', '03']);
  });

  it('drops past the buffer, never holding more than it, and reports the gap where it happened', async () => {
    const tail = createRequestTail({ bufferEvents: 3 });
    const slow = tail.subscribe(() => true);
    tail.publish([1, 2, 3, 4, 5].map((n) => event(n)));
    tail.publish([event(6)]);
    // Three queued, then one marker for the three that did not fit.
    expect(await take(slow, 4)).toEqual(['01', '02', '03', -3]);
    tail.publish([event(7)]);
    expect(await take(slow, 1)).toEqual(['07']);
  });

  it('forgets a subscriber whose client went away, and ends its pending read', async () => {
    const tail = createRequestTail();
    const gone = tail.subscribe(() => true);
    const pending = gone.next();
    expect(tail.subscriberCount()).toBe(1);
    await gone.return!();
    expect(tail.subscriberCount()).toBe(0);
    expect((await pending).done).toBe(true);
    tail.publish([event(1)]);
  });
});
