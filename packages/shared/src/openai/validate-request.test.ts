import { describe, expect, it } from 'vitest';
import { RelayError } from '../errors/relay-error.ts';
import { validateChatRequest } from './validate-request.ts';

function rejection(body: unknown): { code: string; param: string | null; message: string } {
  try {
    validateChatRequest(body);
  } catch (err) {
    if (err instanceof RelayError) return { code: err.code, param: err.param, message: err.message };
    throw err;
  }
  throw new Error('expected a rejection');
}

describe('validateChatRequest', () => {
  const ok = { model: 'relay-mini', messages: [{ role: 'user', content: 'Hello' }] };

  it('accepts a minimal request and keeps unknown fields untouched', () => {
    const body = { ...ok, stream: true, logit_bias: { '50256': -100 }, metadata: { a: 'b' } };
    expect(validateChatRequest(body)).toEqual(body);
    expect(validateChatRequest({ ...ok, messages: [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }] })).toBeTruthy();
  });

  it('names the missing parameter', () => {
    expect(rejection({ messages: ok.messages })).toEqual({
      code: 'missing_required_parameter',
      param: 'model',
      message: "Missing required parameter: 'model'.",
    });
    expect(rejection({ ...ok, messages: [{ content: 'x' }] })).toMatchObject({ code: 'missing_required_parameter', param: 'messages[0].role' });
  });

  it('names the mistyped parameter', () => {
    expect(rejection({ ...ok, messages: 'hi' })).toMatchObject({ code: 'invalid_type', param: 'messages' });
    expect(rejection({ ...ok, stream: 'yes' })).toMatchObject({ code: 'invalid_type', param: 'stream' });
    expect(rejection({ ...ok, model: 7 })).toMatchObject({ code: 'invalid_type', param: 'model' });
    expect(rejection([ok])).toMatchObject({ code: 'invalid_type', param: null });
    expect(rejection(null)).toMatchObject({ code: 'invalid_type' });
  });

  it('rejects out-of-range values instead of clamping them', () => {
    expect(rejection({ ...ok, temperature: 3 })).toMatchObject({ code: 'invalid_value', param: 'temperature' });
    expect(rejection({ ...ok, n: 0 })).toMatchObject({ code: 'invalid_value', param: 'n' });
    expect(rejection({ ...ok, messages: [] })).toMatchObject({ code: 'invalid_value', param: 'messages' });
    expect(rejection({ ...ok, max_tokens: 1.5 })).toMatchObject({ param: 'max_tokens' });
  });
});
