import { isIP, type LookupFunction } from 'node:net';
import { createSecureContext } from 'node:tls';
import { Agent, buildConnector } from 'undici';
import { firstRefusedAddress, systemHostResolver, type HostResolver, type ResolvedAddress } from '@proxystacks/shared/net/host-resolver';
import { classifyAddress, classifyHostName, describeCategory, judgeCategory, type AddressCategory, type UpstreamAddressPolicy } from '@proxystacks/shared/net/upstream-address-policy';

/**
 * An upstream connection the address policy refused. Its message names the host (for the
 * operator's log) but the client never sees it: the adapter turns it into
 * `upstream_address_refused`, whose message names neither host nor address.
 */
export class UpstreamAddressRefusedError extends Error {
  override readonly name = 'UpstreamAddressRefusedError';
  readonly code = 'UPSTREAM_ADDRESS_REFUSED';
  constructor(
    readonly hostName: string,
    readonly category: Exclude<AddressCategory, 'public'>,
  ) {
    super(`Upstream connection to ${hostName} refused: it is ${describeCategory(category)}`);
  }
}

/** True for {@link UpstreamAddressRefusedError}, also when another module instance built it. */
export function isUpstreamAddressRefused(err: unknown): err is UpstreamAddressRefusedError {
  return err instanceof UpstreamAddressRefusedError || (err instanceof Error && (err as { code?: unknown }).code === 'UPSTREAM_ADDRESS_REFUSED');
}

/** Options of {@link createAddressGuardedConnector}. */
export interface AddressGuardOptions {
  policy: UpstreamAddressPolicy;
  /** Default: the system resolver (getaddrinfo), as net.connect would use. */
  resolve?: HostResolver;
  /**
   * Origins (`http://127.0.0.1:1234`, see {@link connectOriginOf}) that skip the policy: the
   * data plane's own built-in mock, which it started itself on loopback.
   */
  trustedOrigins?: ReadonlySet<string>;
  /** Called once per refused connection, for the log. */
  onRefused?: (error: UpstreamAddressRefusedError) => void;
  /** TCP/TLS connect limit (UPSTREAM_CONNECT_TIMEOUT_MS); undici's default (10 s) when absent. */
  connectTimeoutMs?: number;
  /** Offer h2 by ALPN on TLS connections (issue 11); HTTP/1.1 only when absent. */
  allowH2?: boolean;
  /**
   * Certificates trusted for upstream TLS instead of Node's bundled roots (PEM). Only code can
   * set it (tests with their own CA); operators use NODE_EXTRA_CA_CERTS. Verification stays on.
   */
  ca?: readonly string[];
}

/** The origin key of an undici connect request, as {@link AddressGuardOptions.trustedOrigins} holds them. */
export function connectOriginOf(options: { protocol: string; hostname: string; port: string | number }): string {
  const host = options.hostname.includes(':') && !options.hostname.startsWith('[') ? `[${options.hostname}]` : options.hostname;
  return `${options.protocol}//${host}:${options.port}`;
}

/**
 * An undici connector that checks where every new upstream connection would go before a socket
 * exists, so a provider host that resolved to a public address when it was configured and now
 * resolves to 169.254.169.254 (DNS rebinding) is refused on the connection that would reach it.
 *
 * - An IP literal host is checked as is (net.connect would not look it up).
 * - A host name is checked by name (metadata names, localhost), then resolved once through
 *   `resolve`, and every answer is checked. Only then does undici's own connector open the
 *   socket, with a `lookup` that returns exactly the answers that were checked: the address
 *   dialled is one that passed, and nothing resolves the name a second time behind the check.
 *
 * Keep-alive connections are checked once, when they open; a refused connection never opens.
 */
export function createAddressGuardedConnector(options: AddressGuardOptions): buildConnector.connector {
  const resolve = options.resolve ?? systemHostResolver;
  /** Latest checked answers per host name; every entry passed the policy. */
  const checked = new Map<string, readonly ResolvedAddress[]>();
  const connect = buildConnector({
    lookup: checkedLookup(checked),
    allowH2: options.allowH2 === true,
    ...(options.connectTimeoutMs === undefined ? {} : { timeout: options.connectTimeoutMs }),
    // One TLS context for every connection of this connector. Without it tls.connect builds a
    // context (an OpenSSL SSL_CTX, and a trust store of its own when `ca` is set) for each
    // connection and keeps it as long as the connection lives: 8-18 KiB of native memory per
    // open HTTP/1.1 stream. Verification is per connection either way (servername, identity check).
    secureContext: createSecureContext(options.ca === undefined ? {} : { ca: [...options.ca] }),
  });

  return function connectChecked(connectOptions, callback) {
    if (options.trustedOrigins?.has(connectOriginOf(connectOptions))) return connect(connectOptions, callback);
    screen(connectOptions.hostname).then(
      (answers) => {
        if (answers !== null) checked.set(connectOptions.hostname, answers);
        connect(connectOptions, callback);
      },
      (err: unknown) => {
        if (isUpstreamAddressRefused(err)) options.onRefused?.(err);
        callback(err instanceof Error ? err : new Error(String(err)), null);
      },
    );
  };

  /** Resolves and checks `hostName`; null for an allowed IP literal (nothing to resolve). */
  async function screen(hostName: string): Promise<readonly ResolvedAddress[] | null> {
    const literal = classifyAddress(hostName);
    if (literal !== null) {
      const verdict = judgeCategory(literal, options.policy);
      if (!verdict.allowed) throw new UpstreamAddressRefusedError(hostName, verdict.category);
      return null;
    }
    const byName = classifyHostName(hostName);
    if (byName !== null) {
      const verdict = judgeCategory(byName, options.policy);
      if (!verdict.allowed) throw new UpstreamAddressRefusedError(hostName, verdict.category);
    }
    const answers = await resolve(hostName);
    if (answers.length === 0) throw Object.assign(new Error(`No address for ${hostName}`), { code: 'ENOTFOUND' });
    const refused = firstRefusedAddress(answers, options.policy);
    if (refused !== null) throw new UpstreamAddressRefusedError(hostName, refused.category);
    return answers;
  }
}

/**
 * A keep-alive pool whose every connection goes through {@link createAddressGuardedConnector}:
 * for callers outside the data plane that dial admin-chosen URLs (the control plane's budget
 * alert webhooks), so they get the same policy and rebinding check as provider traffic.
 */
export function createAddressGuardedAgent(options: AddressGuardOptions & { keepAliveTimeoutMs?: number }): Agent {
  return new Agent({ keepAliveTimeout: options.keepAliveTimeoutMs ?? 4_000, connect: createAddressGuardedConnector(options) });
}

/**
 * A `lookup` for net.connect / tls.connect that answers only from `checked`, in both forms
 * Node asks for (`all: true` for happy eyeballs, or one address). A name that was not checked
 * fails the connection rather than falling back to DNS.
 */
function checkedLookup(checked: ReadonlyMap<string, readonly ResolvedAddress[]>): LookupFunction {
  return (hostName, lookupOptions, callback) => {
    const family = lookupOptions.family === 'IPv4' ? 4 : lookupOptions.family === 'IPv6' ? 6 : (lookupOptions.family ?? 0);
    const answers = (checked.get(hostName) ?? []).filter((answer) => family === 0 || answer.family === family || isIP(answer.address) === family);
    if (answers.length === 0) {
      callback(Object.assign(new Error(`No checked address for ${hostName}`), { code: 'ENOTFOUND' }), '', 0);
      return;
    }
    if (lookupOptions.all) (callback as unknown as (err: null, addresses: ResolvedAddress[]) => void)(null, answers.map((a) => ({ address: a.address, family: a.family })));
    else callback(null, answers[0]!.address, answers[0]!.family);
  };
}
