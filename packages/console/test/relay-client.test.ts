import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { authorizationContext, createRelayClient, isUnauthorized } from '../src/graphql/client.ts';
import { describeError } from '../src/graphql/describe-error.ts';
import { ViewerQuery } from '../src/graphql/viewer.graphql.ts';
import { verifyAdminToken } from '../src/pages/sign-in/verify-admin-token.ts';

// A real HTTP server on loopback that answers /graphql the way the control plane's contract
// says: 401 with the fixed body for any token but GOOD_TOKEN.
const GOOD_TOKEN = 'rat_test_admin_token_0123456789abcdef';
const UNAUTHORIZED_BODY = {
  errors: [{ message: 'Unauthorized: a valid admin token is required.', extensions: { code: 'unauthenticated' } }],
};

interface SeenRequest {
  method: string | undefined;
  headers: IncomingHttpHeaders;
  body: { query?: string; operationName?: string; variables?: unknown };
}

let server: Server;
let url: string;
let seen: SeenRequest[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      seen.push({ method: req.method, headers: req.headers, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) });
      if (req.headers.authorization === 'Bearer rat_breaks_server') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ data: null, errors: [{ message: 'Unexpected error.', extensions: { code: 'internal_error' } }] }));
        return;
      }
      const authorized = req.headers.authorization === `Bearer ${GOOD_TOKEN}`;
      res.writeHead(authorized ? 200 : 401, { 'content-type': 'application/json' });
      res.end(JSON.stringify(authorized ? { data: { viewer: { __typename: 'Admin', id: 'adm_1', name: 'admin' } } } : UNAUTHORIZED_BODY));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
});

afterAll(async () => {
  await new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve())));
});

beforeEach(() => {
  seen = [];
});

describe('createRelayClient', () => {
  it('POSTs every operation with the session token as a bearer token', async () => {
    let unauthorized = 0;
    const client = createRelayClient({ url, token: GOOD_TOKEN, onUnauthorized: () => unauthorized++ });
    const result = await client.query(ViewerQuery, {}).toPromise();
    expect(result.error).toBeUndefined();
    expect(result.data).toEqual({ viewer: { __typename: 'Admin', id: 'adm_1', name: 'admin' } });
    expect(seen).toHaveLength(1);
    expect(seen[0]?.method).toBe('POST');
    expect(seen[0]?.headers.authorization).toBe(`Bearer ${GOOD_TOKEN}`);
    expect(seen[0]?.body.operationName).toBe('Viewer');
    expect(unauthorized).toBe(0);
  });

  it('signs out when the server rejects the session token with 401', async () => {
    let unauthorized = 0;
    const client = createRelayClient({ url, token: 'rat_expired', onUnauthorized: () => unauthorized++ });
    const result = await client.query(ViewerQuery, {}).toPromise();
    expect(seen[0]?.headers.authorization).toBe('Bearer rat_expired');
    expect(result.data).toBeUndefined();
    expect(result.error?.response?.status).toBe(401);
    expect(isUnauthorized(result.error!)).toBe(true);
    expect(describeError(result.error!)).toEqual({
      message: 'Unauthorized: a valid admin token is required.',
      code: 'unauthenticated',
    });
    expect(unauthorized).toBe(1);
  });

  it('sends no authorization before sign-in, and a sign-in check does not sign anyone out', async () => {
    let unauthorized = 0;
    const client = createRelayClient({ url, token: null, onUnauthorized: () => unauthorized++ });
    const rejected = await client
      .query(ViewerQuery, {}, { ...authorizationContext('rat_typo'), requestPolicy: 'network-only' })
      .toPromise();
    const accepted = await client
      .query(ViewerQuery, {}, { ...authorizationContext(GOOD_TOKEN), requestPolicy: 'network-only' })
      .toPromise();
    const bare = await client.query(ViewerQuery, {}, { requestPolicy: 'network-only' }).toPromise();
    expect(seen.map((request) => request.headers.authorization)).toEqual(['Bearer rat_typo', `Bearer ${GOOD_TOKEN}`, undefined]);
    expect(isUnauthorized(rejected.error!)).toBe(true);
    expect(accepted.data?.viewer.name).toBe('admin');
    expect(bare.error?.response?.status).toBe(401);
    expect(unauthorized).toBe(0);
  });

  it('reports an unreachable control plane as a network error', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    let unauthorized = 0;
    const client = createRelayClient({ url: `http://127.0.0.1:${port}/graphql`, token: GOOD_TOKEN, onUnauthorized: () => unauthorized++ });
    const result = await client.query(ViewerQuery, {}).toPromise();
    expect(result.error?.networkError).toBeInstanceOf(Error);
    expect(describeError(result.error!).code).toBeNull();
    expect(unauthorized).toBe(0);
  });
});

describe('verifyAdminToken', () => {
  const client = () => createRelayClient({ url, token: null, onUnauthorized: () => expect.unreachable('sign-in never signs out') });

  it('names the admin a good token belongs to', async () => {
    expect(await verifyAdminToken(client(), GOOD_TOKEN)).toEqual({
      ok: true,
      viewer: { __typename: 'Admin', id: 'adm_1', name: 'admin' },
    });
    expect(seen[0]?.headers.authorization).toBe(`Bearer ${GOOD_TOKEN}`);
  });

  it('says a rejected token was not accepted', async () => {
    expect(await verifyAdminToken(client(), 'rat_typo')).toEqual({
      ok: false,
      error: { message: 'That admin token was not accepted. Check it and try again.', code: 'unauthenticated' },
    });
  });

  it('passes other server errors through with their code', async () => {
    expect(await verifyAdminToken(client(), 'rat_breaks_server')).toEqual({
      ok: false,
      error: { message: 'Unexpected error.', code: 'internal_error' },
    });
  });

  it('asks the server every time instead of trusting a cached answer', async () => {
    const shared = client();
    await verifyAdminToken(shared, GOOD_TOKEN);
    await verifyAdminToken(shared, GOOD_TOKEN);
    expect(seen).toHaveLength(2);
  });
});
