import { connect, type Socket } from 'node:net';

/**
 * Bench child of streams-memory.ts: opens streamed chat completions against the data plane
 * (BENCH_URL, BENCH_KEY), one socket each, and reads them as they come. Messages from the
 * parent: `{ open: n }` opens n more and answers `{ firstBytes: total }` once each of them has
 * had its status line and first chunk; `'await'` answers `{ completed, failed }` once every
 * stream has closed (the parent tells the upstream to finish first).
 */
const target = new URL(process.env.BENCH_URL!);
/** BENCH_PROMPT_BYTES: size of the user message (a long chat history is tens of KiB); default 'hello'. */
const prompt = process.env.BENCH_PROMPT_BYTES ? 'x'.repeat(Number(process.env.BENCH_PROMPT_BYTES)) : 'hello';
const body = JSON.stringify({ model: 'bench', stream: true, messages: [{ role: 'user', content: prompt }] });
const request =
  `POST /v1/chat/completions HTTP/1.1\r\nHost: ${target.host}\r\nAuthorization: Bearer ${process.env.BENCH_KEY!}\r\n` +
  `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`;

const sockets: Socket[] = [];
const outcomes: Array<Promise<boolean>> = [];

function openStream(): Promise<void> {
  const socket = connect({ host: target.hostname, port: Number(target.port) });
  sockets.push(socket);
  let head = '';
  let tail = '';
  let started: (() => void) | null = null;
  const firstBytes = new Promise<void>((resolve) => (started = resolve));
  socket.on('data', (data: Buffer) => {
    const text = data.toString('latin1');
    if (head.length < 4096) head += text;
    tail = (tail + text).slice(-256);
    if (started !== null && head.startsWith('HTTP/1.1 200') && head.includes('"first"')) {
      started();
      started = null;
    }
  });
  outcomes.push(
    new Promise<boolean>((resolve) => {
      socket.once('error', () => resolve(false));
      socket.once('close', () => resolve(head.startsWith('HTTP/1.1 200') && tail.includes('data: [DONE]')));
    }),
  );
  socket.write(request);
  return firstBytes;
}

process.on('message', (message: { open?: number } | 'await') => {
  if (message === 'await') {
    void Promise.all(outcomes).then((ok) => process.send!({ completed: ok.filter(Boolean).length, failed: ok.filter((x) => !x).length }));
    return;
  }
  const batch = Array.from({ length: message.open ?? 0 }, openStream);
  void Promise.all(batch).then(() => process.send!({ firstBytes: sockets.length }));
});
process.send!({ ready: true });
