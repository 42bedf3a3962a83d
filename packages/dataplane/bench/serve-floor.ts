import uWS from 'uWebSockets.js';
import { Agent, type Dispatcher } from 'undici';

/**
 * Bench child: the floor a Node gateway cannot beat (issue 11). A bare uWebSockets.js +
 * undici pass-through with no features: it reads the request body, POSTs it unchanged to the
 * mock upstream given in BENCH_MOCK_BASE_URL with undici `dispatch()` on a keep-alive Agent,
 * and streams the answer back (status, content type, bytes; upstream backpressure honoured).
 * No auth, limits, routing, metering, events, metrics or validation: whatever the data plane
 * costs above this is the price of its features and of how they are built.
 * Prints `{"url","pid"}` on one line when listening, like the other bench children.
 */
const mockBaseUrl = process.env.BENCH_MOCK_BASE_URL;
if (mockBaseUrl === undefined) throw new Error('BENCH_MOCK_BASE_URL is required');
const upstream = new URL(`${mockBaseUrl.replace(/\/$/, '')}/chat/completions`);
const origin = upstream.origin;
const path = upstream.pathname;
// Same shape as a gateway's pool: keep-alive, no cap worth hitting at 64 connections.
const agent = new Agent({ connections: 1024, keepAliveTimeout: 30_000, pipelining: 1 });

const app = uWS.App();
app.post('/*', (res) => {
  let aborted = false;
  let controller: Dispatcher.DispatchController | null = null;
  res.onAborted(() => {
    aborted = true;
    controller?.abort(new Error('client went away'));
  });
  const chunks: Buffer[] = [];
  res.onData((chunk, isLast) => {
    // uWS reuses the ArrayBuffer after the callback returns: copy.
    chunks.push(Buffer.from(chunk.slice(0)));
    if (!isLast) return;
    const body = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
    forward(res, body, () => aborted, (c) => (controller = c));
  });
});

function forward(res: uWS.HttpResponse, body: Buffer, isAborted: () => boolean, onController: (c: Dispatcher.DispatchController) => void): void {
  agent.dispatch(
    { origin, path, method: 'POST', body, headers: { 'content-type': 'application/json', 'content-length': String(body.length) } },
    {
      onRequestStart(controller) {
        onController(controller);
      },
      onResponseStart(_controller, statusCode, headers) {
        if (isAborted()) return;
        const type = headers['content-type'];
        res.cork(() => {
          res.writeStatus(String(statusCode));
          if (typeof type === 'string') res.writeHeader('content-type', type);
        });
      },
      onResponseData(controller, chunk) {
        if (isAborted()) return;
        let ok = true;
        res.cork(() => {
          ok = res.write(chunk);
        });
        if (!ok) {
          controller.pause();
          res.onWritable(() => {
            controller.resume();
            return true;
          });
        }
      },
      onResponseEnd() {
        if (!isAborted()) res.cork(() => res.end());
      },
      onResponseError(_controller, _err) {
        if (isAborted()) return;
        res.cork(() => res.writeStatus('502').end('{"error":{"message":"upstream failed","type":"api_error","code":null,"param":null}}'));
      },
    },
  );
}

const listenSocket = await new Promise<uWS.us_listen_socket>((resolve, reject) => {
  app.listen('127.0.0.1', 0, (socket) => (socket === false ? reject(new Error('floor: listen failed')) : resolve(socket)));
});
process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${uWS.us_socket_local_port(listenSocket)}`, pid: process.pid })}\n`);

const stop = () => {
  uWS.us_listen_socket_close(listenSocket);
  void agent.close().finally(() => process.exit(0));
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
