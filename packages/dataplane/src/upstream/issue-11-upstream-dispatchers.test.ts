import { request, type buildConnector } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { createUpstreamDispatchers, type UpstreamDispatchers } from './upstream-dispatchers.ts';

/**
 * Issue 11: both upstream pools (HTTP/1.1 only, and h2 by ALPN) open every connection through
 * the connector they are given, the address guard in the data plane: h2 must never bypass it.
 * The connector here refuses everything and records what each pool asked for.
 */
describe('upstream dispatchers (issue 11)', () => {
  let dispatchers: UpstreamDispatchers | null = null;
  afterEach(async () => {
    await dispatchers?.close();
    dispatchers = null;
  });

  it('routes each provider setting to its pool, and every connection of both goes through the connector', async () => {
    const built: boolean[] = [];
    const dialled: Array<{ allowH2: boolean; host: string }> = [];
    dispatchers = createUpstreamDispatchers({
      connector(allowH2) {
        built.push(allowH2);
        const refuse: buildConnector.connector = (options, callback) => {
          dialled.push({ allowH2, host: options.hostname });
          callback(Object.assign(new Error('refused by the test connector'), { code: 'TEST_REFUSED' }), null);
        };
        return refuse;
      },
      maxConnectionsPerOrigin: 8,
      keepAliveTimeoutMs: 30_000,
      keepAliveMaxTimeoutMs: 600_000,
      http2MaxStreamsPerConnection: 100,
    });
    expect(built.sort()).toEqual([false, true]);
    const auto = dispatchers.of({ http2: 'auto' });
    const off = dispatchers.of({ http2: 'off' });
    expect(auto).not.toBe(off);
    // Nothing is dialled: the connector refuses first.
    await expect(request('https://127.0.0.1:9/v1/chat/completions', { method: 'POST', body: '{}', dispatcher: auto })).rejects.toMatchObject({ code: 'TEST_REFUSED' });
    await expect(request('https://127.0.0.1:9/v1/chat/completions', { method: 'POST', body: '{}', dispatcher: off })).rejects.toMatchObject({ code: 'TEST_REFUSED' });
    expect(dialled).toEqual([
      { allowH2: true, host: '127.0.0.1' },
      { allowH2: false, host: '127.0.0.1' },
    ]);
  });
});
