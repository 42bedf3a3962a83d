import { describe, expect, it } from 'vitest';
import { eventData, SseScanner } from './sse-scanner.ts';

const bytes = (text: string) => new TextEncoder().encode(text);

describe('SseScanner', () => {
  it('returns whole events and keeps a partial one for the next chunk', () => {
    const scanner = new SseScanner();
    expect(scanner.push(bytes('data: {"a":1}\n\ndata: {"b"')).map(String)).toEqual(['data: {"a":1}\n\n']);
    expect(scanner.push(bytes(':2}\n\n')).map(String)).toEqual(['data: {"b":2}\n\n']);
    expect(scanner.rest()).toBeNull();
  });

  it('splits an event boundary that falls between two chunks', () => {
    const scanner = new SseScanner();
    expect(scanner.push(bytes('data: x\n'))).toEqual([]);
    expect(scanner.push(bytes('\ndata: y\n\n')).map(String)).toEqual(['data: x\n\n', 'data: y\n\n']);
  });

  it('understands CRLF line endings', () => {
    const scanner = new SseScanner();
    expect(scanner.push(bytes('data: a\r\n\r\ndata: b\n\n')).map(String)).toEqual(['data: a\r\n\r\n', 'data: b\n\n']);
  });

  it('forwards the upstream bytes without copying complete events', () => {
    const chunk = bytes('data: 1\n\ndata: 2\n\n');
    const [first] = new SseScanner().push(chunk);
    expect(first!.buffer).toBe(chunk.buffer);
  });

  it('reports what is left of a truncated stream', () => {
    const scanner = new SseScanner();
    scanner.push(bytes('data: {"cut'));
    expect(String(scanner.rest())).toBe('data: {"cut');
  });
});

describe('eventData', () => {
  it('joins multi-line data and ignores comments and other fields', () => {
    expect(eventData(Buffer.from(': keep-alive\nevent: x\ndata: {"a":\ndata: 1}\n\n'))).toBe('{"a":\n1}');
    expect(eventData(Buffer.from('data:[DONE]\n\n'))).toBe('[DONE]');
    expect(eventData(Buffer.from(': comment only\n\n'))).toBeNull();
  });
});
