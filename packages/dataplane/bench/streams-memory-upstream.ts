import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createSecureServer, type Http2ServerRequest, type Http2ServerResponse } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';

/**
 * Bench child of streams-memory.ts: a slow OpenAI-style upstream, over plain HTTP/1.1 and over
 * TLS (h2 or HTTP/1.1, whichever ALPN picks). Every stream sends its first token at once, then
 * one small token chunk a second, and finishes when the parent sends `finish`. The certificate
 * comes from BENCH_TLS_KEY / BENCH_TLS_CERT (files). Sends `{ http, https }` base URLs when listening.
 */
type Req = IncomingMessage | Http2ServerRequest;
type Res = ServerResponse | Http2ServerResponse;

const open = new Set<() => void>();
const chunk = (delta: object, finish: string | null) => `data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', created: 0, model: 'm', choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;

function serve(req: Req, answer: Res): void {
  // Both response kinds have the same writeHead/write/end; TypeScript cannot call their union.
  const res = answer as ServerResponse;
  req.resume();
  req.on('end', () => {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.write(chunk({ role: 'assistant', content: 'first' }, null));
    const ticker = setInterval(() => res.write(chunk({ content: ' token' }, null)), 1_000);
    const finish = () => {
      clearInterval(ticker);
      open.delete(finish);
      res.write(chunk({}, 'stop'));
      res.write(`data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', created: 0, model: 'm', choices: [], usage: { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 } })}\n\n`);
      res.end('data: [DONE]\n\n');
    };
    open.add(finish);
    res.on('close', () => {
      clearInterval(ticker);
      open.delete(finish);
    });
  });
}

const plain = createServer(serve);
plain.keepAliveTimeout = 60_000;
plain.requestTimeout = 0;
plain.headersTimeout = 0;
const secure = createSecureServer({ key: readFileSync(process.env.BENCH_TLS_KEY!), cert: readFileSync(process.env.BENCH_TLS_CERT!), allowHTTP1: true, settings: { maxConcurrentStreams: 1000 } }, serve);
secure.setTimeout(0);
await Promise.all([new Promise<void>((r) => plain.listen(0, '127.0.0.1', r)), new Promise<void>((r) => secure.listen(0, '127.0.0.1', r))]);
process.on('message', (message) => {
  if (message === 'finish') for (const finish of [...open]) finish();
});
process.send!({ http: `http://127.0.0.1:${(plain.address() as AddressInfo).port}/v1`, https: `https://127.0.0.1:${(secure.address() as AddressInfo).port}/v1` });
