import { describe, expect, it } from 'vitest';
import { decodeRequestEventRow, validateRequestEvent } from './request-event.ts';
import { REQUEST_EVENT_COLUMNS_ADDED_IN_0008, REQUEST_EVENT_INSERT_COLUMNS, requestEventsAddColumns } from './request-events-ddl.ts';
import { testRequestEvent } from './test-request-event.ts';

/**
 * The event's `cache_write_tokens`: prompt tokens written to the provider's prompt cache, priced
 * apart from input. Backward compatible with the events of data planes from before it.
 */
describe('cache_write_tokens in the event contract', () => {
  it('an event without it (an older data plane) validates, as no cache writes', () => {
    const { cache_write_tokens: _absent, ...old } = testRequestEvent();
    expect(validateRequestEvent(old)).toEqual({ ...old, cache_write_tokens: 0 });
    expect(decodeRequestEventRow(old).cache_write_tokens).toBe(0);
  });

  it('takes a UInt32 count, decodes one a server sends as a string, and refuses anything else', () => {
    expect(validateRequestEvent(testRequestEvent({ cache_write_tokens: 4_294_967_295 })).cache_write_tokens).toBe(4_294_967_295);
    expect(decodeRequestEventRow({ ...testRequestEvent(), cache_write_tokens: '1200' }).cache_write_tokens).toBe(1200);
    expect(() => validateRequestEvent(testRequestEvent({ cache_write_tokens: 4_294_967_296 }))).toThrow(/^cache_write_tokens: /);
    expect(() => validateRequestEvent(testRequestEvent({ cache_write_tokens: -1 }))).toThrow(/^cache_write_tokens: /);
    expect(() => validateRequestEvent({ ...testRequestEvent(), cache_write_tokens: '5' })).toThrow(/^cache_write_tokens: /);
  });

  it('is the last insert column, and migration 0008 adds it with DEFAULT 0 for the rows already stored', () => {
    expect(REQUEST_EVENT_INSERT_COLUMNS.at(-1)).toBe('cache_write_tokens');
    expect(requestEventsAddColumns('relay', REQUEST_EVENT_COLUMNS_ADDED_IN_0008)).toEqual([expect.stringMatching(/^ALTER TABLE relay\.request_events ADD COLUMN IF NOT EXISTS cache_write_tokens UInt32 DEFAULT 0 COMMENT '/)]);
  });
});
