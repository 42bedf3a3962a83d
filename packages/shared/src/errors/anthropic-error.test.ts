import { describe, expect, it } from 'vitest';
import { toAnthropicError } from './anthropic-error.ts';
import { RelayError } from './relay-error.ts';

describe('toAnthropicError', () => {
  it.each([
    ['invalid_value', 400, 'invalid_request_error'],
    ['invalid_api_key', 401, 'authentication_error'],
    ['model_not_allowed', 403, 'permission_error'],
    ['model_not_found', 404, 'not_found_error'],
    ['body_too_large', 413, 'request_too_large'],
    ['method_not_allowed', 405, 'invalid_request_error'],
    ['rate_limit_exceeded', 429, 'rate_limit_error'],
    ['insufficient_quota', 429, 'billing_error'],
    ['upstream_error', 502, 'api_error'],
    ['upstream_timeout', 504, 'timeout_error'],
    ['upstream_overloaded', 529, 'overloaded_error'],
    ['not_ready', 529, 'overloaded_error'],
  ] as const)('serialises %s as %i %s', (code, status, type) => {
    const out = toAnthropicError(new RelayError(code, 'Something.'), 'req_1');
    expect(out.status).toBe(status);
    expect(out.body).toEqual({ type: 'error', error: { type, message: 'Something.' }, request_id: 'req_1' });
  });

  it('keeps the retry hints and leads the message with the param', () => {
    const out = toAnthropicError(new RelayError('upstream_rate_limited', 'Slow down.', { retryAfterSeconds: 9, param: 'model' }), 'req_2');
    expect(out).toMatchObject({ status: 429, retryable: true, retryAfterSeconds: 9, body: { error: { type: 'rate_limit_error', message: 'model: Slow down.' } } });
    expect(toAnthropicError(new RelayError('missing_required_parameter', "Missing required parameter: 'max_tokens'.", { param: 'max_tokens' }), 'r').body.error.message).toBe("Missing required parameter: 'max_tokens'.");
  });

  it('masks anything that is not a RelayError', () => {
    expect(toAnthropicError(new Error('postgres://admin:hunter2@db'), 'req_3')).toEqual({
      status: 500,
      retryable: false,
      body: { type: 'error', error: { type: 'api_error', message: 'Internal error, request id req_3' }, request_id: 'req_3' },
    });
  });
});
