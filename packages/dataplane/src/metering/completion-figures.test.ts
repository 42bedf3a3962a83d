import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readCompletionFigures } from './completion-figures.ts';

/** What a full parse reads, for comparison: the first choice's finish reason and the usage object. */
function parsedFigures(text: string) {
  const completion = JSON.parse(text) as { usage?: unknown; choices?: Array<{ finish_reason?: string | null }> };
  return { usage: completion.usage, finishReason: completion.choices?.[0]?.finish_reason ?? '' };
}

const usage = fc.record({
  prompt_tokens: fc.nat(),
  completion_tokens: fc.nat(),
  total_tokens: fc.nat(),
  prompt_tokens_details: fc.option(fc.record({ cached_tokens: fc.nat() }), { nil: undefined }),
});
// Message text that tries to look like keys: quotes, braces, backslashes and the key names themselves.
const trickyText = fc.oneof(
  fc.string(),
  fc.constantFrom('"usage":{"prompt_tokens":1}', '"finish_reason":"length"', '\\"usage\\":{}', '}{"}', 'a\\', '"', '😀 "usage"'),
);
const completion = fc.record({
  id: fc.string(),
  object: fc.constant('chat.completion'),
  choices: fc.array(
    fc.record({
      index: fc.nat(),
      message: fc.record({ role: fc.constant('assistant'), content: fc.option(trickyText, { nil: null }) }),
      finish_reason: fc.option(fc.constantFrom('stop', 'length', 'tool_calls', 'content_filter'), { nil: null }),
    }),
    { minLength: 1, maxLength: 3 },
  ),
  usage,
});

describe('reading usage and finish reason from a chat completion without parsing it whole', () => {
  it('reads what a full parse reads, whatever the message text holds', () => {
    fc.assert(
      fc.property(completion, fc.boolean(), (answer, pretty) => {
        const text = JSON.stringify(answer, null, pretty ? 2 : undefined);
        expect(readCompletionFigures(Buffer.from(text))).toEqual(parsedFigures(text));
      }),
      { numRuns: 500 },
    );
  });

  it('reads a body whose usage comes before the choices', () => {
    const text = '{"id":"x","usage":{"prompt_tokens":3,"completion_tokens":4,"total_tokens":7},"choices":[{"index":0,"message":{"role":"assistant","content":"hi"},"finish_reason":"stop"}]}';
    expect(readCompletionFigures(Buffer.from(text))).toEqual({ usage: { prompt_tokens: 3, completion_tokens: 4, total_tokens: 7 }, finishReason: 'stop' });
  });

  it('gives up (the caller parses the whole answer) when the shortcut cannot be trusted', () => {
    for (const text of [
      'not json at all',
      '{"choices":[{"finish_reason":"stop"}]}', // no usage: the caller estimates from the text
      '{"choices":[{"finish_reason":"stop"}],"usage":null}',
      '{"choices":[{"finish_reason":"stop"}],"usage":{"prompt_tokens":1', // cut off
      '{"choices":[{"finish_reason":7}],"usage":{"prompt_tokens":1}}', // not a string
      '[{"usage":{"prompt_tokens":1}}]', // not an object
      '{"choices":[],"usage":{"prompt_tokens":1,}}', // usage is not valid JSON
    ]) {
      expect(readCompletionFigures(Buffer.from(text)), text).toBeNull();
    }
  });
});
