import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ChatUsage } from '@proxystacks/shared/openai/wire';
import type { Exchange } from '../http/exchange.ts';
import { spliceUsageCost } from '../metering/usage-cost.ts';
import { eventData } from './sse-scanner.ts';
import { inspect, type RelayOptions, type StreamOutcome } from './sse-relay.ts';

/*
 * Issue 11: the relay's per-event inspection searches each event fewer times and forwards it
 * without copies. Property: for every event shape the providers send (content, empty content,
 * tool calls, usage null / spaced / real, finish reasons null / spaced / strings, errors, [DONE])
 * the client receives the same bytes and metering sees the same outcome as with the version
 * first written (kept below as the reference).
 */
const DONE = Buffer.from('[DONE]');
const CONTENT = Buffer.from('"content":"');
const EMPTY_CONTENT = Buffer.from('"content":""');
const TOOL_CALLS = Buffer.from('"tool_calls":[');
const USAGE = Buffer.from('"usage"');
const USAGE_NULL = Buffer.from('"usage":null');
const USAGE_NULL_SPACED = Buffer.from('"usage": null');
const COMMA_USAGE_NULL = Buffer.from(',"usage":null');
const FINISH = Buffer.from('"finish_reason":"');
const FINISH_SPACED = Buffer.from('"finish_reason": "');
const ERROR = Buffer.from('"error"');

function inspectAsFirstWritten(event: Buffer, outcome: StreamOutcome, exchange: Pick<Exchange, 'elapsedMs'>, options: RelayOptions): Buffer | null | 'done' | 'upstream-error' {
  const { clientWantsUsage, onFirstContent, usageCost } = options;
  // `[DONE]` is the whole payload of its event, so a short event is the only candidate.
  if (event.length < 24 && event.indexOf(DONE) !== -1) return 'done';
  const contentAt = event.indexOf(CONTENT);
  if ((contentAt !== -1 && event.indexOf(EMPTY_CONTENT, contentAt) !== contentAt) || (contentAt === -1 && event.indexOf(TOOL_CALLS) !== -1)) {
    outcome.contentEvents++;
    if (outcome.ttftMs === null) {
      outcome.ttftMs = exchange.elapsedMs();
      onFirstContent?.();
    }
  }
  const usageAt = event.indexOf(USAGE);
  const hasUsage = usageAt !== -1 && event.indexOf(USAGE_NULL, usageAt) !== usageAt && event.indexOf(USAGE_NULL_SPACED, usageAt) !== usageAt;
  const hasFinish = event.indexOf(FINISH) !== -1 || event.indexOf(FINISH_SPACED) !== -1;
  const mayBeError = event.indexOf(ERROR) !== -1;
  if (!hasUsage && !hasFinish && !mayBeError) return clientWantsUsage ? event : withoutNullUsage(event, usageAt);

  const data = eventData(event);
  if (data === null) return event;
  let chunk: { usage?: ChatUsage | null; choices?: Array<{ finish_reason?: string | null }>; error?: { code?: unknown; type?: unknown } };
  try {
    chunk = JSON.parse(data) as typeof chunk;
  } catch {
    return event;
  }
  if (chunk.error !== undefined && chunk.error !== null && chunk.choices === undefined) {
    const code = chunk.error.code ?? chunk.error.type;
    outcome.upstreamErrorCode = typeof code === 'string' ? code.slice(0, 100) : '';
    return 'upstream-error';
  }
  const finish = chunk.choices?.find((c) => typeof c.finish_reason === 'string')?.finish_reason;
  if (typeof finish === 'string') outcome.finishReason = finish;
  if (!hasUsage || chunk.usage === undefined || chunk.usage === null) return clientWantsUsage ? event : withoutNullUsage(event, usageAt);
  outcome.usage = chunk.usage;
  if (clientWantsUsage) return usageCost ? (spliceUsageCost(event, usageCost(chunk.usage)) ?? event) : event;
  // The client did not ask for usage: the usage-only chunk goes, and usage riding on a content
  // chunk (some OpenAI-compatible servers do that) is removed from it.
  if (chunk.choices === undefined || chunk.choices.length === 0) return null;
  delete chunk.usage;
  return Buffer.from(`data: ${JSON.stringify(chunk)}\n\n`);
}

/**
 * With `include_usage` on, OpenAI-style upstreams put `"usage":null` in every chunk. A client
 * that did not ask for usage gets the chunk as it would have come without the option: the
 * field is cut out of the bytes (two slices, no JSON round trip).
 */
function withoutNullUsage(event: Buffer, usageAt: number): Buffer {
  if (usageAt === -1) return event;
  const at = event.indexOf(COMMA_USAGE_NULL, usageAt - 1);
  if (at !== usageAt - 1) return event;
  return Buffer.concat([event.subarray(0, at), event.subarray(at + COMMA_USAGE_NULL.length)]);
}


const exchange = { elapsedMs: () => 7 };
const freshOutcome = (): StreamOutcome => ({ end: 'done', usage: null, finishReason: '', contentEvents: 0, ttftMs: null, errorCode: '', upstreamErrorCode: '' });

const field = fc.constantFrom(
  '"delta":{"content":"Hel\\"lo"}',
  '"delta":{"content":""}',
  '"delta":{"role":"assistant","content":""}',
  '"delta":{"tool_calls":[{"index":0,"function":{"arguments":"{}"}}]}',
  '"finish_reason":null',
  '"finish_reason":"stop"',
  '"finish_reason": "length"',
  '"logprobs":null',
);
const usage = fc.constantFrom('', ',"usage":null', ', "usage": null', ',"usage":{"prompt_tokens":3,"completion_tokens":5,"total_tokens":8}');
const event = fc.oneof(
  fc.tuple(fc.array(field, { maxLength: 4 }), usage, fc.constantFrom('\n\n', '\r\n\r\n')).map(([fields, u, end]) => `data: {"id":"c1","object":"chat.completion.chunk","choices":[{"index":0${fields.map((f) => `,${f}`).join('')}}]${u}}${end}`),
  fc.constant('data: {"choices":[],"usage":{"prompt_tokens":3,"completion_tokens":5,"total_tokens":8}}\n\n'),
  fc.constant('data: {"error":{"message":"overloaded","type":"server_error","code":"overloaded"}}\n\n'),
  fc.constant('data: [DONE]\n\n'),
  fc.constant(': keep-alive\n\n'),
  fc.constant('data: {not json "finish_reason":"stop"\n\n'),
);

describe('inspect (issue 11: fewer searches, no copies)', () => {
  it('forwards the same bytes and meters the same outcome as the version first written', () => {
    fc.assert(
      fc.property(event, fc.boolean(), fc.boolean(), (text, clientWantsUsage, priced) => {
        const options: RelayOptions = { upstream: (async function* () {})(), exchange: exchange as unknown as Exchange, clientWantsUsage, maxEventBytes: 1 << 20, usageCost: priced ? (u: ChatUsage) => u.total_tokens * 10 : null };
        const before = freshOutcome();
        const after = freshOutcome();
        const expected = inspectAsFirstWritten(Buffer.from(text), before, exchange, options);
        const out: Buffer[] = [];
        const verdict = inspect(Buffer.from(text), after, exchange, options, out);
        if (expected === 'done' || expected === 'upstream-error') {
          expect(verdict).toBe(expected);
          expect(out).toHaveLength(0);
        } else {
          expect(verdict).toBeNull();
          expect(Buffer.concat(out).toString()).toBe(expected === null ? '' : expected.toString());
        }
        expect(after).toEqual(before);
      }),
      { numRuns: 2_000 },
    );
  });
});
