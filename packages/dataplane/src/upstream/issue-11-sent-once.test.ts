import { describe, expect, it } from 'vitest';
import { sentOnce, UpstreamResendRefusedError } from './sent-once-handler.ts';

/**
 * Issue 11: the h2 pool marks POSTs idempotent (to multiplex them), and undici's Client re-queues
 * the requests running on a connection it loses. A chat completion must never be written to an
 * upstream twice: the second write undici would start is aborted before a byte leaves.
 */
describe('sentOnce (issue 11)', () => {
  it('lets the first write through and aborts a second one, telling the caller once', () => {
    const connects: unknown[] = [];
    const errors: Error[] = [];
    const handler = sentOnce({ onConnect: (abort) => connects.push(abort), onError: (err) => errors.push(err) });
    const aborts: Array<Error | undefined> = [];
    const firstAbort = (err?: Error) => aborts.push(err);
    handler.onConnect!(firstAbort);
    expect(connects).toEqual([firstAbort]);
    expect(aborts).toEqual([]);

    handler.onConnect!((err) => aborts.push(err));
    expect(connects).toHaveLength(1);
    expect(aborts).toHaveLength(1);
    expect(aborts[0]).toBeInstanceOf(UpstreamResendRefusedError);
    // undici's abort reports through onError, which still reaches the caller's handler.
    handler.onError!(aborts[0]!);
    expect(errors).toEqual([aborts[0]]);
  });

  it('passes the answer through unchanged', () => {
    const seen: unknown[] = [];
    const handler = sentOnce({
      onHeaders: (status) => (seen.push(status), false),
      onData: (chunk) => (seen.push(chunk.toString()), true),
      onComplete: (trailers) => void seen.push(trailers),
    });
    expect(handler.onHeaders!(200, [], () => undefined, 'OK')).toBe(false);
    expect(handler.onData!(Buffer.from('data: x'))).toBe(true);
    handler.onComplete!([]);
    expect(seen).toEqual([200, 'data: x', []]);
  });
});
