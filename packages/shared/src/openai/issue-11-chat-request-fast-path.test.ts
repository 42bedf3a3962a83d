import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { isRelayError } from '../errors/relay-error.ts';
import { passesChatRequestRules } from './chat-request-fast-path.ts';
import { chatRequestSchema, checkArrayLengths, validateChatRequest, validationError } from './validate-request.ts';

/** validateChatRequest as it was before issue 11: zod on every request. */
function zodOnly(body: unknown): unknown {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new Error('not an object');
  checkArrayLengths(body as Record<string, unknown>);
  const result = chatRequestSchema.safeParse(body);
  if (result.success) return result.data;
  throw validationError(body, result.error.issues[0]!);
}

function outcome(run: () => unknown): { ok: true; value: unknown } | { ok: false; code: string; message: string; param: unknown } {
  try {
    return { ok: true, value: run() };
  } catch (err) {
    if (!isRelayError(err)) throw err;
    return { ok: false, code: err.code, message: err.message, param: err.param };
  }
}

// Mostly valid values, with values at and past every rule's edges mixed in, for every field the
// rules look at: about half the bodies are valid, the rest break one rule or several.
const anyJson = fc.oneof(fc.constant(undefined), fc.constant(null), fc.boolean(), fc.string({ maxLength: 3 }), fc.integer({ min: -3, max: 300 }), fc.double({ noNaN: true, min: -3, max: 3 }), fc.constant({}), fc.constant([]));
const mostly = <T,>(valid: fc.Arbitrary<T>) => fc.oneof({ arbitrary: valid, weight: 12 }, { arbitrary: anyJson, weight: 1 });
const typed = mostly(fc.record({ type: fc.string({ maxLength: 5 }), text: fc.string({ maxLength: 3 }) }, { requiredKeys: ['type'] }));
const message = mostly(
  fc.record(
    { role: mostly(fc.constantFrom('user', 'system', 'assistant', '')), content: mostly(fc.oneof(fc.string({ maxLength: 8 }), fc.constant(null), fc.array(typed, { maxLength: 3 }))), name: fc.string({ maxLength: 3 }) },
    { requiredKeys: ['role'] },
  ),
);
const body = fc.record(
  {
    model: mostly(fc.oneof(fc.string({ minLength: 0, maxLength: 4 }), fc.constant('m'.repeat(256)), fc.constant('m'.repeat(257)))),
    messages: mostly(fc.array(message, { minLength: 0, maxLength: 4 })),
    stream: mostly(fc.boolean()),
    stream_options: mostly(fc.record({ include_usage: mostly(fc.boolean()) }, { requiredKeys: [] })),
    n: mostly(fc.integer({ min: 0, max: 129 })),
    max_tokens: mostly(fc.oneof(fc.integer({ min: 0, max: 5 }), fc.constant(Number.MAX_SAFE_INTEGER + 2), fc.constant(2.5))),
    max_completion_tokens: mostly(fc.integer({ min: 0, max: 5 })),
    temperature: mostly(fc.constantFrom(0, 2, 2.0001, 1.5, -0.1)),
    top_p: mostly(fc.constantFrom(0, 1, 1.0001, 0.5)),
    tools: mostly(fc.array(typed, { maxLength: 3 })),
    user: mostly(fc.string({ maxLength: 3 })),
    extra: anyJson,
  },
  { requiredKeys: ['model', 'messages'] },
);

describe('issue 11: chat request validation without zod on the common path', () => {
  it('returns a valid request as it is: no walk and no copy of its messages', () => {
    const request = { model: 'gpt', messages: [{ role: 'user', content: 'hi' }, { role: 'user', content: [{ type: 'text', text: 'x' }] }], stream: true, stream_options: { include_usage: true }, temperature: 0.2, max_tokens: 10, tools: [{ type: 'function' }], vendor_field: { kept: 1 } };
    const validated = validateChatRequest(request);
    expect(validated).toBe(request);
    expect(validated.messages).toBe(request.messages);
  });

  it('accepts and refuses exactly what zod alone did, with the same error code, message and param', () => {
    let accepted = 0;
    fc.assert(
      fc.property(body, (b) => {
        const json = JSON.parse(JSON.stringify(b)) as unknown;
        const before = outcome(() => zodOnly(json));
        const after = outcome(() => validateChatRequest(json));
        expect(after.ok).toBe(before.ok);
        if (before.ok && after.ok) expect(after.value).toEqual(before.value);
        else expect(after).toEqual(before);
        // The hand-written check never accepts what zod refuses.
        if (passesChatRequestRules(json as Record<string, unknown>)) { (globalThis as any).__n = ((globalThis as any).__n ?? 0) + 1; expect(before.ok).toBe(true); }
        if (before.ok) (globalThis as any).__ok = ((globalThis as any).__ok ?? 0) + 1;
      }),
      { numRuns: 3_000 },
    );
    console.log('FRAC', (globalThis as any).__n, (globalThis as any).__ok);
  });

  it('hands anything unusual (class instances, arrays as messages) to zod', () => {
    class Message {
      role = 'user';
    }
    expect(passesChatRequestRules({ model: 'm', messages: [new Message()] })).toBe(false);
    expect(passesChatRequestRules({ model: 'm', messages: [['user']] })).toBe(false);
    expect(passesChatRequestRules({ model: 'm', messages: [{ role: 'user' }], tools: null })).toBe(false);
  });
});
