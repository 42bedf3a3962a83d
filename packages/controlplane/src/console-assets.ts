import { stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, normalize, sep } from 'node:path';
import { createCompressedFileCache, negotiateEncoding } from './console-compression.ts';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

/**
 * Serves the built console (packages/console/dist) as a single-page app: files by path,
 * `index.html` for every other GET so client-side routes survive a reload. Hashed assets are
 * cached for a year as immutable, index.html is revalidated every time (so a new build is picked
 * up at once). Text is sent brotli- or gzip-compressed as the browser accepts, each file compressed
 * once and kept. Source maps are never served: production builds make none, and a stray one
 * would publish the source.
 */
export async function serveConsole(req: IncomingMessage, res: ServerResponse, path: string, consoleDir: string): Promise<void> {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain' }).end('Method not allowed');
    return;
  }
  const decoded = decodePath(path);
  if (decoded === null) {
    // A client's malformed escape (`/%`, `/%E0%A4%A`, a NUL byte) is its mistake, not a server
    // failure: 400, and nothing in the log (issue 6: this answered 500 with a stack).
    res.writeHead(400, { 'content-type': 'text/plain' }).end('Bad request: malformed URL path');
    return;
  }
  const relative = normalize(decoded).replace(/^(\.\.(\/|\\|$))+/, '');
  if (extname(relative) === '.map') {
    res.writeHead(404, { 'content-type': 'text/plain' }).end('Not found');
    return;
  }
  const file = join(consoleDir, relative);
  if (!file.startsWith(consoleDir + sep) && file !== consoleDir) {
    res.writeHead(404, { 'content-type': 'text/plain' }).end('Not found');
    return;
  }
  const isFile = await stat(file).then((s) => s.isFile(), () => false);
  if (isFile) return send(res, req, file, relative.startsWith(`${sep}assets${sep}`) || relative.startsWith('assets/'));
  if (extname(relative) !== '' && relative.startsWith('/assets')) {
    res.writeHead(404, { 'content-type': 'text/plain' }).end('Not found');
    return;
  }
  const index = join(consoleDir, 'index.html');
  if (!(await stat(index).then((s) => s.isFile(), () => false))) {
    res
      .writeHead(503, { 'content-type': 'text/plain; charset=utf-8' })
      .end('The console is not built. Run `pnpm --filter @proxystacks/console build` (pnpm install does it for you).\n');
    return;
  }
  return send(res, req, index, false);
}

/** The percent-decoded path, or null when it is not valid percent-encoded UTF-8 or holds a NUL. */
function decodePath(path: string): string | null {
  try {
    const decoded = decodeURIComponent(path);
    return decoded.includes('\0') ? null : decoded;
  } catch {
    return null;
  }
}

const files = createCompressedFileCache();

async function send(res: ServerResponse, req: IncomingMessage, file: string, immutable: boolean): Promise<void> {
  const extension = extname(file);
  const { body, encoding, etag } = await files.read(file, extension, negotiateEncoding(req.headers['accept-encoding']));
  const headers: Record<string, string | number> = {
    'content-type': TYPES[extension] ?? 'application/octet-stream',
    'cache-control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
    etag,
    // Caches must key the body by the coding the browser asked for.
    vary: 'Accept-Encoding',
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'x-frame-options': 'DENY',
  };
  if (encoding !== 'identity') headers['content-encoding'] = encoding;
  if (req.headers['if-none-match'] === etag) {
    res.writeHead(304, headers).end();
    return;
  }
  res.writeHead(200, { ...headers, 'content-length': body.length });
  res.end(req.method === 'HEAD' ? undefined : body);
}
