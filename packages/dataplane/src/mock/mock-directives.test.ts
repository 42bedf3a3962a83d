import { describe, expect, it } from 'vitest';
import { mockReplyWords, parseMockDirectives } from './mock-directives.ts';

describe('mock directives', () => {
  it('reads directives out of ordinary text', () => {
    expect(parseMockDirectives('Hello mock:words=3 mock:delay=20 mock:fail=503 mock:cut-after=2 mock:no-usage mock:ttfb=5 mock:tool-call')).toEqual({
      words: 3,
      delayMs: 20,
      ttfbMs: 5,
      failStatus: 503,
      cutAfter: 2,
      noUsage: true,
      toolCall: true,
    });
  });

  it('reads the prompt-cache write count (Anthropic wire)', () => {
    expect(parseMockDirectives('mock:cached=30 mock:cache-write=20')).toMatchObject({ cachedTokens: 30, cacheWriteTokens: 20 });
    expect(parseMockDirectives('plain').cacheWriteTokens).toBeUndefined();
  });

  it('keeps defaults and clamps or ignores out-of-range values', () => {
    expect(parseMockDirectives('plain text')).toMatchObject({ words: 12, failStatus: null, cutAfter: null });
    expect(parseMockDirectives('mock:words=0').words).toBe(1);
    expect(parseMockDirectives('mock:fail=200').failStatus).toBeNull();
  });

  it('replies with deterministic words', () => {
    expect(mockReplyWords(3)).toEqual(mockReplyWords(3));
    expect(mockReplyWords(100)).toHaveLength(100);
  });
});
