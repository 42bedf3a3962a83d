import type { Exchange } from '../http/exchange.ts';
import type { RequestRecord } from '../metering/request-record.ts';
import { SseScanner } from '../streaming/sse-scanner.ts';
import { createCompletionAssembler } from './assemble-completion.ts';

/** A streamed answer being read back whole for the cache, alongside the relay. */
export interface StreamCapture {
  push(chunk: Uint8Array): void;
  /** The whole completion (OpenAI JSON) if every choice finished normally, else null. */
  completion(): { body: Buffer; finishReasons: Array<string | null> } | null;
}

/** A capture with its own scanner (the relay's is private to it); a broken or oversized stream captures nothing. */
export function createStreamCapture(maxEventBytes: number): StreamCapture {
  const scanner = new SseScanner({ maxEventBytes });
  const assembler = createCompletionAssembler();
  let broken = false;
  return {
    push(chunk) {
      if (broken) return;
      try {
        for (const event of scanner.push(chunk)) assembler.push(event);
      } catch {
        broken = true;
      }
    },
    completion() {
      const body = broken ? null : assembler.completion();
      return body === null ? null : { body, finishReasons: assembler.finishReasons() };
    },
  };
}

/**
 * What the route does with each upstream chunk as the relay reads it (RelayOptions.onUpstreamChunk):
 * notes when it arrived until the client's headers go out (record.upstreamDoneAt: the upstream
 * side of x-relay-overhead-ms) and feeds `capture` when the answer may be cached.
 */
export function upstreamChunkObserver(ex: Exchange, record: RequestRecord, capture: StreamCapture | null): (chunk: Uint8Array) => void {
  return (chunk) => {
    if (!ex.headersSent) record.upstreamDoneAt = performance.now();
    capture?.push(chunk);
  };
}
