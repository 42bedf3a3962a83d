import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ChatCompletionRequest } from '@proxystacks/shared/openai/wire';
import { spliceUpstreamModel } from './splice-upstream-model.ts';

/**
 * Issue 11: the upstream body is the client's bytes with the upstream model spliced in, never a
 * different request. Whatever the client wrote (key order, whitespace, escapes, unicode, nesting),
 * the spliced bytes parse to exactly what serialising the request would have sent, or the splice
 * declines (null) and the caller serialises.
 */
const upstreamBodyOf = (request: ChatCompletionRequest, model: string, stream: boolean) => {
  const out: Record<string, unknown> = { ...request, model };
  if (stream) out.stream_options = { ...(request.stream_options ?? {}), include_usage: true };
  return out;
};

/** JSON text of `value` with random whitespace between tokens (what clients send varies). */
function spaced(value: unknown, space: string): string {
  return JSON.stringify(value, null, space).replace(/\n/g, space.length % 2 === 0 ? '\n' : '\r\n');
}

const model = fc.oneof(fc.string(), fc.constantFrom('gpt-4o', 'a"b', 'a\\b', 'é😀', '\u2028', 'x'.repeat(300)));
const extraKey = fc.string().filter((k) => !['model', 'stream_options', '__proto__'].includes(k));
const requestArb = fc.record({
  leading: fc.dictionary(extraKey, fc.jsonValue(), { maxKeys: 4 }),
  trailing: fc.dictionary(extraKey, fc.jsonValue(), { maxKeys: 4 }),
  model,
  messages: fc.array(fc.record({ role: fc.constantFrom('user', 'system'), content: fc.string({ unit: 'grapheme' }) }), { minLength: 1, maxLength: 3 }),
  streamOptions: fc.constantFrom(undefined, null, { include_usage: true }, { include_usage: false }, {}),
});

describe('spliceUpstreamModel (issue 11)', () => {
  it('parses to {...request, model} (plus include_usage on streams), or declines', () => {
    fc.assert(
      fc.property(requestArb, model, fc.boolean(), fc.constantFrom('', ' ', '  ', '\t'), (r, upstreamModel, stream, space) => {
        const request = { ...r.leading, model: r.model, messages: r.messages, ...r.trailing, ...(r.streamOptions === undefined ? {} : { stream_options: r.streamOptions }) } as unknown as ChatCompletionRequest;
        const bytes = Buffer.from(spaced(request, space));
        const parsed = JSON.parse(bytes.toString('utf8')) as ChatCompletionRequest;
        const spliced = spliceUpstreamModel(bytes, parsed, upstreamModel, stream);
        const serialised = upstreamBodyOf(parsed, upstreamModel, stream);
        if (spliced === null) {
          // Only where it must: a stream whose stream_options does not already ask for usage, or a
          // key written with escapes.
          const mustChangeOptions = stream && parsed.stream_options !== undefined && parsed.stream_options?.include_usage !== true;
          expect(mustChangeOptions || Object.keys(parsed).some((k) => JSON.stringify(k).includes('\\'))).toBe(true);
          return;
        }
        expect(JSON.parse(spliced.toString('utf8'))).toStrictEqual(JSON.parse(JSON.stringify(serialised)));
      }),
      { numRuns: 500 },
    );
  });

  it('is byte for byte what JSON.stringify sends for a compact body', () => {
    const request = { model: 'alias', messages: [{ role: 'user', content: 'hi "there"' }], temperature: 0.5 } as ChatCompletionRequest;
    const bytes = Buffer.from(JSON.stringify(request));
    expect(spliceUpstreamModel(bytes, request, 'gpt-4o', false)!.toString()).toBe(JSON.stringify({ ...request, model: 'gpt-4o' }));
    expect(spliceUpstreamModel(bytes, request, 'gpt-4o', true)!.toString()).toBe(JSON.stringify(upstreamBodyOf(request, 'gpt-4o', true)));
  });

  it('declines what the bytes may say differently from the parse', () => {
    const decline = (text: string, stream = false) => spliceUpstreamModel(Buffer.from(text), JSON.parse(text) as ChatCompletionRequest, 'up', stream);
    // A key written twice: JSON.parse kept the last, an upstream might keep the first.
    expect(decline('{"model":"a","max_tokens":100000,"messages":[],"max_tokens":10}')).toBeNull();
    expect(decline('{"model":"a","model":"b","messages":[]}')).toBeNull();
    // A key written with escapes is the same key to JSON.parse.
    expect(decline('{"mod\\u0065l":"a","messages":[]}')).toBeNull();
    expect(decline('{"model":"a","m\\u0061x_tokens":1,"messages":[]}')).toBeNull();
    // A stream whose stream_options must change.
    expect(decline('{"model":"a","messages":[],"stream_options":{"include_usage":false}}', true)).toBeNull();
    expect(decline('{"model":"a","messages":[],"stream_options":null}', true)).toBeNull();
    // Invalid UTF-8 was read as U+FFFD by the parse.
    const invalid = Buffer.concat([Buffer.from('{"model":"a","messages":[],"user":"'), Buffer.from([0xff]), Buffer.from('"}')]);
    expect(spliceUpstreamModel(invalid, JSON.parse(invalid.toString('utf8')) as ChatCompletionRequest, 'up', false)).toBeNull();
    // Not what was parsed (a request the gateway changed or translated).
    expect(spliceUpstreamModel(Buffer.from('{"model":"a","messages":[]}'), { model: 'a', messages: [], n: 2 } as unknown as ChatCompletionRequest, 'up', false)).toBeNull();
  });
});
