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
 * The upstream stream as the relay reads it, noting when each chunk arrived until the client's
 * headers go out (record.upstreamDoneAt: the upstream side of x-relay-overhead-ms) and feeding
 * `capture` when the answer may be cached. `return` is passed through so leaving the relay's
 * loop still destroys the upstream body.
 */
export function tapUpstream(upstream: AsyncIterable<Uint8Array>, ex: Exchange, record: RequestRecord, capture: StreamCapture | null): AsyncIterable<Uint8Array> {
  return {
    [Symbol.asyncIterator]() {
      const source = upstream[Symbol.asyncIterator]();
      return {
        async next() {
          const step = await source.next();
          if (!ex.headersSent) record.upstreamDoneAt = performance.now();
          if (capture !== null && step.done !== true) capture.push(step.value);
          return step;
        },
        async return(value?: unknown) {
          return (await source.return?.(value)) ?? { done: true, value: undefined };
        },
      };
    },
  };
}
