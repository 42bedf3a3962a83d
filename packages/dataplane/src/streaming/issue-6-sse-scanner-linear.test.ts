import { afterEach, describe, expect, it } from 'vitest';
import { SseEventTooLarge, SseScanner } from './sse-scanner.ts';

/**
 * Issue 6, item 2: an upstream that streams without ever sending a blank line made the scanner
 * join everything pending with each new chunk and search it again from the start: quadratic
 * (the client got nothing for 200 s while the cost grew). The scanner's work is counted here
 * (bytes joined by Buffer.concat, bytes handed to Buffer#indexOf) instead of timed.
 */
const originalConcat = Buffer.concat;
const originalIndexOf = Buffer.prototype.indexOf;
afterEach(() => {
  Buffer.concat = originalConcat;
  Buffer.prototype.indexOf = originalIndexOf;
});

function countWork(): { copied: number; searched: number } {
  const work = { copied: 0, searched: 0 };
  Buffer.concat = function concat(list: readonly Uint8Array[], totalLength?: number) {
    const result = originalConcat(list, totalLength);
    work.copied += result.length;
    return result;
  } as typeof Buffer.concat;
  Buffer.prototype.indexOf = function indexOf(this: Buffer, value: string | number | Uint8Array, byteOffset?: number | BufferEncoding, encoding?: BufferEncoding) {
    const from = typeof byteOffset === 'number' ? (byteOffset < 0 ? Math.max(0, this.length + byteOffset) : byteOffset) : 0;
    work.searched += Math.max(0, this.length - from);
    return originalIndexOf.call(this, value, byteOffset as number, encoding);
  } as typeof Buffer.prototype.indexOf;
  return work;
}

const CHUNK_BYTES = 16 * 1024;
const CHUNKS = 256; // 4 MiB

describe('SseScanner on a stream without a blank line (issue 6)', () => {
  it('searches and copies each byte a bounded number of times, not once per chunk', () => {
    const scanner = new SseScanner();
    const chunk = Buffer.alloc(CHUNK_BYTES, 'x');
    chunk.write('data: ', 0);
    const work = countWork();
    for (let i = 0; i < CHUNKS; i++) expect(scanner.push(chunk)).toEqual([]);
    const [event] = scanner.push(Buffer.from('\n\n'));
    Buffer.concat = originalConcat;
    Buffer.prototype.indexOf = originalIndexOf;

    const total = CHUNK_BYTES * CHUNKS + 2;
    expect(event!.length).toBe(total);
    // The old scanner joined and searched the whole pending event on every chunk: ~CHUNKS/2 times the stream.
    expect(work.copied).toBeLessThanOrEqual(2 * total);
    expect(work.searched).toBeLessThanOrEqual(2 * total);
  });

  it('gives up once one event passes the limit, holding no more than the limit plus a chunk', () => {
    const limit = 1024 * 1024;
    const scanner = new SseScanner({ maxEventBytes: limit });
    const chunk = Buffer.alloc(CHUNK_BYTES, 'x');
    let pushed = 0;
    expect(() => {
      for (let i = 0; i < CHUNKS; i++) {
        scanner.push(chunk);
        pushed += chunk.length;
      }
    }).toThrow(SseEventTooLarge);
    expect(pushed).toBeLessThanOrEqual(limit);
    expect(scanner.rest()!.length).toBeLessThanOrEqual(limit);
  });

  it('refuses a complete event larger than the limit that arrives in one chunk', () => {
    const scanner = new SseScanner({ maxEventBytes: 1024 });
    expect(() => scanner.push(Buffer.from(`data: ${'y'.repeat(2048)}\n\n`))).toThrow(SseEventTooLarge);
    expect(new SseScanner({ maxEventBytes: 1024 }).push(Buffer.from(`data: ${'y'.repeat(1000)}\n\n`))).toHaveLength(1);
  });
});
