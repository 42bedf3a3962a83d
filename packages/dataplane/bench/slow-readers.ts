import { connect, type NetConnectOpts, type Socket } from 'node:net';
import { readRssMiB } from './proc-memory.ts';

export interface SlowReaderSpec {
  /** Data plane base URL (http://127.0.0.1:port). */
  url: string;
  key: string;
  /** The data plane's pid, whose RSS is sampled. */
  pid: number;
  streams: number;
  words: number;
  /** How long the clients read slowly before draining the rest at full speed. */
  slowPhaseMs: number;
  /** During the slow phase each client reads this many bytes every `tickMs`. */
  bytesPerTick: number;
  tickMs: number;
}

export interface SlowReaderResult {
  streams: number;
  wordsPerStream: number;
  /** Size of one complete stream on the wire, measured with a fast reader first. */
  bytesPerStream: number;
  /** What all streams amount to: what an unbounded gateway would end up holding. */
  totalStreamMiB: number;
  slowReadRateKiBps: number;
  rssBeforeMiB: number | null;
  rssPeakMiB: number | null;
  rssAfterMiB: number | null;
  /** Bytes the clients had read when the slow phase ended (the rest was held back by backpressure). */
  readDuringSlowPhaseMiB: number;
  completed: number;
  failed: number;
  durationMs: number;
}

/**
 * N concurrent streams that the clients read very slowly: each socket stays paused and reads
 * `bytesPerTick` every `tickMs` (the kernel buffers only a small receive window, since the
 * client does not read). With backpressure working end to end (uWS write() → onWritable →
 * pause the upstream body → the mock's write() returns false), the data plane holds a bounded
 * amount per stream and its RSS stays flat; without it, it would buffer every stream whole.
 * After the slow phase the clients drain the rest, and every stream must end with [DONE].
 */
export async function runSlowReaders(spec: SlowReaderSpec): Promise<SlowReaderResult> {
  const target = new URL(spec.url);
  const body = JSON.stringify({ model: 'bench', stream: true, messages: [{ role: 'user', content: `Slow reader mock:words=${spec.words}` }] });
  const request =
    `POST /v1/chat/completions HTTP/1.1\r\nHost: ${target.host}\r\nAuthorization: Bearer ${spec.key}\r\n` +
    `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`;

  const probe = await openStream(target, request, 'fast');
  const probeBytes = await probe.done;
  if (!probe.ok()) throw new Error(`slow-reader probe stream did not complete (read ${probeBytes} bytes)`);

  const rssBefore = readRssMiB(spec.pid)?.rssMiB ?? null;
  let rssPeak = rssBefore;
  const sampler = setInterval(() => {
    const rss = readRssMiB(spec.pid)?.rssMiB;
    if (rss !== undefined && (rssPeak === null || rss > rssPeak)) rssPeak = rss;
  }, 50);

  const started = Date.now();
  const streams = Array.from({ length: spec.streams }, () => openStream(target, request, 'slow'));
  const ticker = setInterval(() => {
    for (const s of streams) s.readSome(spec.bytesPerTick);
  }, spec.tickMs);
  await sleep(spec.slowPhaseMs);
  clearInterval(ticker);
  const readDuringSlow = streams.reduce((sum, s) => sum + s.bytesRead(), 0);
  for (const s of streams) s.drain();
  const results = await Promise.allSettled(streams.map((s) => withTimeout(s.done, 30_000)));
  const durationMs = Date.now() - started;
  clearInterval(sampler);
  await sleep(500);
  const rssAfter = readRssMiB(spec.pid)?.rssMiB ?? null;

  const completed = streams.filter((s, i) => results[i]!.status === 'fulfilled' && s.ok()).length;
  return {
    streams: spec.streams,
    wordsPerStream: spec.words,
    bytesPerStream: probeBytes,
    totalStreamMiB: round1((probeBytes * spec.streams) / 2 ** 20),
    slowReadRateKiBps: round1((spec.bytesPerTick * (1000 / spec.tickMs)) / 1024),
    rssBeforeMiB: rssBefore,
    rssPeakMiB: rssPeak,
    rssAfterMiB: rssAfter,
    readDuringSlowPhaseMiB: round1(readDuringSlow / 2 ** 20),
    completed,
    failed: spec.streams - completed,
    durationMs,
  };
}

interface OpenStream {
  done: Promise<number>;
  readSome(bytes: number): void;
  drain(): void;
  bytesRead(): number;
  /** Status 200 and the stream ended with `data: [DONE]` and the final chunk. */
  ok(): boolean;
}

function openStream(target: URL, request: string, mode: 'fast' | 'slow'): OpenStream {
  // A small high-water mark (passed through to the stream) so Node itself does not read far ahead of the "application".
  const socket: Socket = connect({ host: target.hostname, port: Number(target.port), highWaterMark: 4096 } as NetConnectOpts);
  let read = 0;
  let head = '';
  let tail = '';
  const take = (chunk: Buffer) => {
    read += chunk.length;
    if (head.length < 64) head += chunk.toString('latin1', 0, Math.min(chunk.length, 64));
    tail = (tail + chunk.toString('latin1')).slice(-512);
  };
  const done = new Promise<number>((resolve, reject) => {
    socket.once('error', reject);
    socket.once('close', () => resolve(read));
  });
  socket.write(request);
  if (mode === 'fast') {
    socket.on('data', take);
  } else {
    socket.pause();
  }
  return {
    done,
    readSome(bytes) {
      let chunk: Buffer | null;
      let left = bytes;
      while (left > 0 && (chunk = socket.read(Math.min(left, socket.readableLength || left)) as Buffer | null) !== null) {
        take(chunk);
        left -= chunk.length;
      }
    },
    drain() {
      let chunk: Buffer | null;
      while ((chunk = socket.read() as Buffer | null) !== null) take(chunk);
      socket.on('data', take);
      socket.resume();
    },
    bytesRead: () => read,
    ok() {
      // Undo chunked framing in the tail before looking for the end of the SSE stream.
      const text = tail.replace(/\r\n[0-9a-fA-F]+\r\n/g, '');
      return head.startsWith('HTTP/1.1 200') && text.includes('data: [DONE]') && tail.endsWith('0\r\n\r\n');
    },
  };
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
    promise.then(
      (v) => (clearTimeout(timer), resolve(v)),
      (e: unknown) => (clearTimeout(timer), reject(e)),
    );
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function round1(n: number): number {
  return Math.round(n * 10) / 10;
}
