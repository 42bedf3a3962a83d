import { Agent, Client, Pool, type Dispatcher, type buildConnector } from 'undici';
import type { ProviderHttp2Mode } from '@proxystacks/shared/snapshot/config-snapshot';
import { sentOnce } from './sent-once-handler.ts';

/** Options of {@link createUpstreamDispatchers}. */
export interface UpstreamDispatchersOptions {
  /**
   * Builds the connector of one pool; `allowH2` says whether it offers h2 by ALPN. Both pools'
   * connections go through it, so the address guard checks every one of them, h2 included.
   */
  connector(allowH2: boolean): buildConnector.connector;
  /** Connections per origin and pool (UPSTREAM_MAX_CONNECTIONS_PER_ORIGIN). */
  maxConnectionsPerOrigin: number;
  /** Idle time before a pooled connection closes when the upstream gives no `Keep-Alive: timeout` (UPSTREAM_KEEP_ALIVE_TIMEOUT_MS). */
  keepAliveTimeoutMs: number;
  /** Cap on the idle time an upstream's `Keep-Alive: timeout` may ask for (UPSTREAM_KEEP_ALIVE_MAX_TIMEOUT_MS). */
  keepAliveMaxTimeoutMs: number;
  /** Streams one h2 connection carries before the pool opens another (UPSTREAM_HTTP2_MAX_STREAMS); the upstream's own SETTINGS may lower it. */
  http2MaxStreamsPerConnection: number;
}

/** The keep-alive pools upstream calls go through, one per HTTP/2 mode. */
export interface UpstreamDispatchers {
  /** The pool for a provider's `http2` setting. */
  of(provider: { readonly http2: ProviderHttp2Mode }): Dispatcher;
  /** Closes both pools (requests in flight finish first). */
  close(): Promise<void>;
}

/**
 * Two keep-alive pools: HTTP/1.1 only, and one that offers h2 by ALPN on TLS (falling back to
 * HTTP/1.1 when the upstream does not choose it; plain `http://` upstreams always get HTTP/1.1).
 *
 * undici (7.x) multiplexes h2 only when told to. A client runs at most `pipelining` requests at
 * once (default 1, whatever the protocol), and never starts a request marked non-idempotent
 * (every POST, unless said otherwise) while another runs on the same connection: so out of the
 * box each concurrent POST opens its own h2 connection. Here, each connection's `pipelining`
 * is set once ALPN has spoken: {@link UpstreamDispatchersOptions.http2MaxStreamsPerConnection}
 * on h2, 1 on HTTP/1.1, where pipelining long streams would queue one answer behind another.
 * And requests through the h2 pool are marked idempotent, which lets undici multiplex them: on
 * a connection with `pipelining` 1 it changes nothing. undici has no retry policy without a
 * RetryAgent, but its Client re-queues the requests running on a connection it loses; each h2
 * pool connection's requests go through {@link sentOnce}, so none is ever written twice.
 */
export function createUpstreamDispatchers(options: UpstreamDispatchersOptions): UpstreamDispatchers {
  const common = { keepAliveTimeout: options.keepAliveTimeoutMs, keepAliveMaxTimeout: options.keepAliveMaxTimeoutMs, connections: options.maxConnectionsPerOrigin };
  const http1 = new Agent({ ...common, connect: options.connector(false) });
  const streams = options.http2MaxStreamsPerConnection;
  const h2 = new MultiplexingAgent({
    ...common,
    allowH2: true,
    connect: options.connector(true),
    factory: (origin, poolOptions) => new Pool(origin, { ...poolOptions, factory: (o, clientOptions) => protocolTunedClient(o, clientOptions, streams) }),
  });
  return {
    of: (provider) => (provider.http2 === 'off' ? http1 : h2),
    async close() {
      await Promise.all([http1.close().catch(() => undefined), h2.close().catch(() => undefined)]);
    },
  };
}

/** An Agent that lets h2 carry concurrent POSTs on one connection (see {@link createUpstreamDispatchers}). */
class MultiplexingAgent extends Agent {
  override dispatch(options: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): boolean {
    return super.dispatch({ ...options, idempotent: true }, handler);
  }
}

/**
 * A pooled Client whose `pipelining` follows the protocol ALPN chose, each time it (re)connects.
 * `options.connect` is the pool's connector (a function: the address-guarded one).
 */
function protocolTunedClient(origin: URL, options: object, h2Streams: number): Client {
  const { connect, ...rest } = options as Client.Options & { connect: buildConnector.connector };
  let client: Client | null = null;
  const tuned: buildConnector.connector = (connectOptions, callback) =>
    connect(connectOptions, (...args) => {
      const [err, socket] = args;
      if (err === null && client !== null) {
        const streams = (socket as { alpnProtocol?: string | false }).alpnProtocol === 'h2' ? h2Streams : 1;
        if (client.pipelining !== streams) client.pipelining = streams;
      }
      callback(...args);
    });
  client = new SentOnceClient(origin, { ...rest, connect: tuned });
  return client;
}

/** A Client that writes each request at most once (see {@link sentOnce}); its Pool hands it legacy handlers only. */
class SentOnceClient extends Client {
  override dispatch(options: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): boolean {
    return super.dispatch(options, sentOnce(handler));
  }
}
