import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAddressGuardedConnector } from './address-guarded-connector.ts';

/**
 * Issue 11: every connection of an upstream connector shares one TLS context (one SSL_CTX and
 * trust store instead of one per connection: 8-18 KiB less native memory per open HTTP/1.1
 * stream, measured by bench/streams-memory.ts). What must not change is checked here, per
 * connection, over loopback TLS with certificates made by openssl for this run: a trusted
 * certificate is accepted on every connection, one from another issuer is refused, and so is a
 * trusted certificate that does not name the host dialled.
 */

interface Certificate {
  key: Buffer;
  cert: string;
}

function makeCertificate(dir: string, name: string, altNames: string): Certificate {
  const key = join(dir, `${name}.key`);
  const cert = join(dir, `${name}.pem`);
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1', '-subj', `/CN=${name}`, '-addext', `subjectAltName=${altNames}`, '-keyout', key, '-out', cert], { stdio: 'ignore' });
  return { key: readFileSync(key), cert: readFileSync(cert, 'utf8') };
}

/** A TLS server that answers `ok` and counts the TLS connections it accepted. */
async function startServer(certificate: Certificate): Promise<{ url: string; server: Server; connections: () => number }> {
  let connections = 0;
  const server = createServer(certificate, (req, res) => {
    req.resume();
    res.end('ok');
  });
  server.on('secureConnection', () => (connections += 1));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `https://127.0.0.1:${(server.address() as AddressInfo).port}`, server, connections: () => connections };
}

describe('upstream connector TLS context shared by its connections (issue 11)', () => {
  let dir: string;
  let trusted: Awaited<ReturnType<typeof startServer>>;
  let otherIssuer: Awaited<ReturnType<typeof startServer>>;
  let wrongName: Awaited<ReturnType<typeof startServer>>;
  let trustedCa: string;
  let wrongNameCa: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'relay-shared-tls-'));
    const good = makeCertificate(dir, 'trusted-upstream', 'IP:127.0.0.1');
    const stranger = makeCertificate(dir, 'stranger', 'IP:127.0.0.1');
    const elsewhere = makeCertificate(dir, 'elsewhere', 'DNS:upstream.example');
    trustedCa = good.cert;
    wrongNameCa = elsewhere.cert;
    [trusted, otherIssuer, wrongName] = await Promise.all([startServer(good), startServer(stranger), startServer(elsewhere)]);
  });

  afterAll(async () => {
    for (const s of [trusted, otherIssuer, wrongName]) s?.server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  function agent(): Agent {
    const connect = createAddressGuardedConnector({ policy: { allowLoopback: true, allowPrivate: false }, ca: [trustedCa, wrongNameCa] });
    // One request per connection at a time, and no keep-alive reuse across the test's calls.
    return new Agent({ connect, pipelining: 1, keepAliveTimeout: 1, keepAliveMaxTimeout: 1 });
  }

  it('accepts the trusted certificate on every one of several concurrent connections', async () => {
    const dispatcher = agent();
    try {
      const before = trusted.connections();
      const bodies = await Promise.all(
        Array.from({ length: 4 }, async () => {
          const answer = await request(`${trusted.url}/`, { method: 'POST', body: 'x', dispatcher });
          return answer.body.text();
        }),
      );
      expect(bodies).toEqual(['ok', 'ok', 'ok', 'ok']);
      expect(trusted.connections() - before).toBe(4);
    } finally {
      await dispatcher.close();
    }
  });

  it('refuses a certificate from an issuer it does not trust, after trusted connections shared the context', async () => {
    const dispatcher = agent();
    try {
      await request(`${trusted.url}/`, { dispatcher }).then((answer) => answer.body.text());
      const refused = await request(`${otherIssuer.url}/`, { dispatcher }).then(
        () => null,
        (err: unknown) => err as NodeJS.ErrnoException,
      );
      expect(refused?.code).toMatch(/SELF_SIGNED|UNABLE_TO_VERIFY|UNABLE_TO_GET_ISSUER/);
    } finally {
      await dispatcher.close();
    }
  });

  it('refuses a trusted certificate that does not name the host dialled', async () => {
    const dispatcher = agent();
    try {
      const refused = await request(`${wrongName.url}/`, { dispatcher }).then(
        () => null,
        (err: unknown) => err as NodeJS.ErrnoException,
      );
      expect(refused?.code).toBe('ERR_TLS_CERT_ALTNAME_INVALID');
    } finally {
      await dispatcher.close();
    }
  });
});
