import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, request, type IncomingHttpHeaders, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveConsole } from '../src/console-assets.ts';

const CONSOLE_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'console');
/** Compressible, like a real bundle: repetitive JavaScript well over the compression threshold. */
const SCRIPT = `export function chart(){return ${JSON.stringify('uPlot '.repeat(4000))}}\n`;
const INDEX = `<!doctype html><html><head><script type="module" src="/assets/index-4f2a9c1b.js"></script></head><body>${'<!-- pad -->'.repeat(200)}</body></html>`;

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/**
 * Issue 10: the control plane serves the console compressed by `Accept-Encoding` (brotli first,
 * then gzip, else as built), hashed assets as immutable for a year, index.html revalidated,
 * no source map, and production builds make none.
 */
describe('console delivery (issue 10)', () => {
  let dir: string;
  let server: Server;
  let port: number;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'relay-console-delivery-'));
    await mkdir(join(dir, 'assets'));
    await writeFile(join(dir, 'index.html'), INDEX);
    await writeFile(join(dir, 'assets', 'index-4f2a9c1b.js'), SCRIPT);
    await writeFile(join(dir, 'assets', 'index-4f2a9c1b.js.map'), '{"version":3,"sources":["secret.ts"]}');
    server = createServer((req, res) => void serveConsole(req, res, (req.url ?? '/').split('?')[0]!, dir));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as { port: number }).port;
  });

  afterAll(async () => {
    await new Promise((resolve) => server?.close(resolve));
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  const get = (path: string, headers: Record<string, string> = {}): Promise<Answer> =>
    new Promise((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, path, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      });
      req.on('error', reject);
      req.end();
    });

  it('sends brotli when accepted, else gzip, else the file as built, varying by Accept-Encoding', async () => {
    const br = await get('/assets/index-4f2a9c1b.js', { 'accept-encoding': 'gzip, deflate, br' });
    expect(br.headers['content-encoding']).toBe('br');
    expect(br.headers.vary).toBe('Accept-Encoding');
    expect(brotliDecompressSync(br.body).toString()).toBe(SCRIPT);
    expect(br.body.length).toBeLessThan(SCRIPT.length / 10);

    const gz = await get('/assets/index-4f2a9c1b.js', { 'accept-encoding': 'gzip, br;q=0' });
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(gz.body).toString()).toBe(SCRIPT);

    const plain = await get('/assets/index-4f2a9c1b.js');
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.body.toString()).toBe(SCRIPT);

    const page = await get('/keys', { 'accept-encoding': 'br' });
    expect(page.headers['content-encoding']).toBe('br');
    expect(brotliDecompressSync(page.body).toString()).toBe(INDEX);
  });

  it('caches hashed assets for a year as immutable and revalidates index.html', async () => {
    const asset = await get('/assets/index-4f2a9c1b.js', { 'accept-encoding': 'br' });
    expect(asset.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    const index = await get('/', { 'accept-encoding': 'br' });
    expect(index.headers['cache-control']).toBe('no-cache');
    const etag = index.headers.etag;
    expect(etag).toBeTruthy();
    const again = await get('/', { 'accept-encoding': 'br', 'if-none-match': etag! });
    expect(again.status).toBe(304);
    expect(again.body.length).toBe(0);
  });

  it('never serves a source map, and the production build makes none', async () => {
    expect((await get('/assets/index-4f2a9c1b.js.map')).status).toBe(404);
    const { default: config } = (await import(join(CONSOLE_DIR, 'vite.config.ts'))) as { default: { build?: { sourcemap?: unknown } } };
    expect(config.build?.sourcemap ?? false).toBe(false);
  });
});
