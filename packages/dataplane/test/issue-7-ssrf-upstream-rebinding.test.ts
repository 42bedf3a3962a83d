import { createServer, type Server } from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { HostResolver, ResolvedAddress } from '@proxystacks/shared/net/host-resolver';
import { startHarness, type Harness } from './dataplane-harness.ts';

/**
 * Issue 7: the data plane checks the resolved address of every new upstream connection against
 * the address policy, so a provider host that resolved to loopback (allowed here) and then
 * resolves to the cloud metadata address (DNS rebinding) is refused on the next connection.
 *
 * Nothing here sends a packet off loopback. The provider host is `localhost`, so even a data
 * plane without the check (which would ignore the stub and ask the system resolver) resolves it
 * from /etc/hosts to 127.0.0.1; with the check, the stub's rebinding answer 169.254.169.254 is
 * refused before any socket exists, which the net.connect spy below proves.
 */
let upstream: Server;
let upstreamPort = 0;
let upstreamConnections = 0;
let h: Harness;
/** What the stub resolver answers for `localhost` next; the last one repeats. */
let answers: ResolvedAddress[][] = [];
const lookups: string[] = [];
const stubResolver: HostResolver = async (hostName) => {
  lookups.push(hostName);
  if (hostName !== 'localhost') throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostName}`), { code: 'ENOTFOUND' });
  return answers.length > 1 ? answers.shift()! : answers[0]!;
};
/** Every net.connect the process makes to the test upstream's port (sockets undici opens). */
const dials: Array<{ host: unknown; remoteAddress: string | null }> = [];
const realConnect = net.connect;

beforeAll(async () => {
  upstream = createServer((req, res) => {
    req.resume().on('end', () => {
      const body = { id: 'c1', object: 'chat.completion', created: 1, model: 'up-1', choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }], usage: { prompt_tokens: 3, completion_tokens: 1, total_tokens: 4 } };
      // `connection: close`: every request needs a new connection, hence a new check.
      res.writeHead(200, { 'content-type': 'application/json', connection: 'close' }).end(JSON.stringify(body));
    });
  });
  upstream.on('connection', () => upstreamConnections++);
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  upstreamPort = (upstream.address() as AddressInfo).port;
  vi.spyOn(net, 'connect').mockImplementation(((...args: Parameters<typeof net.connect>) => {
    const socket = (realConnect as (...a: unknown[]) => net.Socket)(...args);
    const options = args[0] as { port?: unknown; host?: unknown };
    if (typeof options === 'object' && Number(options.port) === upstreamPort) {
      const dial = { host: options.host, remoteAddress: null as string | null };
      dials.push(dial);
      socket.once('connect', () => (dial.remoteAddress = socket.remoteAddress ?? null));
    }
    return socket;
  }) as typeof net.connect);
  h = await startHarness({}, { resolveUpstreamHost: stubResolver });
  h.applySnapshot((content) => {
    content.providers.push({ id: 'prov-rebind', orgId: 'org-1', name: 'Rebinding', type: 'openai_compatible', baseUrl: `http://localhost:${upstreamPort}/v1`, credential: null, environments: [] });
    content.routes.push(
      { orgId: 'org-1', alias: 'rebind', deployments: [{ id: 'dep-rebind', providerId: 'prov-rebind', upstreamModel: 'up-1', priority: 0, weight: 1, pricingRuleId: null, environment: '' }] },
      {
        orgId: 'org-1',
        alias: 'rebind-then-mock',
        deployments: [
          { id: 'dep-rebind-2', providerId: 'prov-rebind', upstreamModel: 'up-1', priority: 0, weight: 1, pricingRuleId: null, environment: '' },
          { id: 'dep-mock-3', providerId: 'prov-mock', upstreamModel: 'mock-1', priority: 1, weight: 1, pricingRuleId: 'rule-1', environment: '' },
        ],
      },
    );
  });
});

afterAll(async () => {
  vi.restoreAllMocks();
  await h?.close();
  await new Promise<void>((resolve) => (upstream ? upstream.close(() => resolve()) : resolve()));
});

async function ask(url: string, key: string, model: string) {
  const response = await fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }] }),
  });
  const text = await response.text();
  return { status: response.status, text, shouldRetry: response.headers.get('x-should-retry'), requestId: response.headers.get('x-request-id')! };
}

describe('DNS rebinding: every new upstream connection is checked after resolution', () => {
  it('connects while the host resolves to loopback, and refuses the connection once it resolves to the metadata address, before any socket', async () => {
    answers = [[{ address: '127.0.0.1', family: 4 }], [{ address: '169.254.169.254', family: 4 }]];
    const first = await ask(h.url, h.activeKey, 'rebind');
    expect(first.status).toBe(200);
    expect(lookups).toEqual(['localhost']);
    expect(upstreamConnections).toBe(1);
    expect(dials).toHaveLength(1);

    const second = await ask(h.url, h.activeKey, 'rebind');
    expect(lookups).toEqual(['localhost', 'localhost']);
    expect(second.status).toBe(502);
    expect(JSON.parse(second.text)).toEqual({
      error: {
        message: 'The gateway refused to connect to the provider of this model: its address is not allowed by the upstream address policy.',
        type: 'api_error',
        code: 'upstream_address_refused',
        param: null,
      },
    });
    expect(second.shouldRetry).toBe('false');
    for (const secret of ['169.254', 'localhost', String(upstreamPort)]) expect(second.text).not.toContain(secret);
    // Refused before net.connect: no socket was created for the rebinding answer, none reached the upstream.
    expect(dials).toHaveLength(1);
    expect(upstreamConnections).toBe(1);
    // The one socket that was opened went to loopback.
    expect(dials[0]).toEqual({ host: 'localhost', remoteAddress: '127.0.0.1' });

    const event = await h.eventFor(second.requestId);
    expect(event).toMatchObject({ status_code: 502, error_code: 'upstream_address_refused', upstream_error_code: 'cloud_metadata' });
  });

  it('moves on to the next deployment: the refusal is tied to this provider, not to the request', async () => {
    answers = [[{ address: '::ffff:169.254.169.254', family: 6 }]];
    const answer = await ask(h.url, h.activeKey, 'rebind-then-mock');
    expect(answer.status).toBe(200);
    expect(dials).toHaveLength(1);
  });

  it('refuses a host whose answers mix an allowed and a metadata address', async () => {
    answers = [
      [
        { address: '127.0.0.1', family: 4 },
        { address: 'fe80::1', family: 6 },
      ],
    ];
    const answer = await ask(h.url, h.activeKey, 'rebind');
    expect(answer.status).toBe(502);
    expect(JSON.parse(answer.text).error.code).toBe('upstream_address_refused');
    expect(dials).toHaveLength(1);
  });
});

describe('UPSTREAM_ALLOW_LOOPBACK=false', () => {
  let strict: Harness;
  afterAll(async () => {
    await strict?.close();
  });

  it('refuses a provider on a loopback IP literal, while the built-in mock keeps working', async () => {
    strict = await startHarness({ UPSTREAM_ALLOW_LOOPBACK: 'false' }, { resolveUpstreamHost: stubResolver });
    // `ext-mini` points at a loopback mock upstream by IP (http://127.0.0.1:<port>/v1).
    const refused = await ask(strict.url, strict.activeKey, 'ext-mini');
    expect(refused.status).toBe(502);
    expect(JSON.parse(refused.text).error.code).toBe('upstream_address_refused');
    expect(strict.upstream.stats().requests).toBe(0);
    // `relay-mini` is the data plane's own mock, which it started itself: exempt.
    const mock = await ask(strict.url, strict.activeKey, 'relay-mini');
    expect(mock.status).toBe(200);
  });
});
