import { readFile, stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, normalize, sep } from 'node:path';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.map': 'application/json',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

/**
 * Serves the built console (packages/console/dist) as a single-page app: files by path,
 * `index.html` for every other GET so client-side routes survive a reload. Hashed assets are
 * cached for a year, index.html never (so a new build is picked up at once).
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

async function send(res: ServerResponse, req: IncomingMessage, file: string, immutable: boolean): Promise<void> {
  const body = await readFile(file);
  res.writeHead(200, {
    'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
    'content-length': body.length,
    'cache-control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'x-frame-options': 'DENY',
  });
  res.end(req.method === 'HEAD' ? undefined : body);
}
