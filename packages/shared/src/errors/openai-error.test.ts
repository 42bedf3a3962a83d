import { describe, expect, it } from 'vitest';
import { ERROR_CODES, isErrorCode } from './error-codes.ts';
import { toOpenAIError } from './openai-error.ts';
import { RelayError } from './relay-error.ts';

describe('toOpenAIError', () => {
  it('serialises a RelayError with the status and type from the code table', () => {
    const err = new RelayError('model_not_found', "The model 'gpt-9' does not exist.", { param: 'model' });
    expect(toOpenAIError(err, 'req_1')).toEqual({
      status: 404,
      retryable: false,
      body: {
        error: {
          message: "The model 'gpt-9' does not exist.",
          type: 'invalid_request_error',
          code: 'model_not_found',
          param: 'model',
        },
      },
    });
  });

  it('masks any other error as internal_error without its message', () => {
    const leaky = new Error('connect ECONNREFUSED postgres://admin:hunter2@db:5432');
    const out = toOpenAIError(leaky, 'req_abc');
    expect(out.status).toBe(500);
    expect(out.body.error).toEqual({
      message: 'Internal error, request id req_abc',
      type: 'api_error',
      code: 'internal_error',
      param: null,
    });
    expect(JSON.stringify(out)).not.toContain('hunter2');
  });

  it('masks thrown non-errors too', () => {
    expect(toOpenAIError('boom', 'req_x').body.error.code).toBe('internal_error');
    expect(toOpenAIError(undefined, 'req_x').status).toBe(500);
  });

  it('keeps attempts and upstream detail on the error but not in the body', () => {
    const err = new RelayError('upstream_error', 'All upstream attempts failed.', {
      attempts: [{ providerId: 'p1', upstreamModel: 'm', code: 'upstream_error', upstreamStatus: 503 }],
      upstreamErrorCode: 'overloaded',
    });
    expect(err.attempts).toHaveLength(1);
    expect(err.retryable).toBe(true);
    expect(JSON.stringify(toOpenAIError(err, 'r').body)).not.toContain('overloaded');
  });
});

describe('ERROR_CODES', () => {
  it('uses only HTTP error statuses and OpenAI error types', () => {
    const types = new Set(['invalid_request_error', 'authentication_error', 'permission_error', 'rate_limit_error', 'insufficient_quota', 'api_error']);
    for (const [code, spec] of Object.entries(ERROR_CODES)) {
      expect(spec.status, code).toBeGreaterThanOrEqual(400);
      expect(spec.status, code).toBeLessThan(600);
      expect(types.has(spec.type), code).toBe(true);
      expect(code).toMatch(/^[a-z_]+$/);
    }
  });

  it('recognises its own codes only', () => {
    expect(isErrorCode('invalid_api_key')).toBe(true);
    expect(isErrorCode('toString')).toBe(false);
    expect(isErrorCode(42)).toBe(false);
  });
});
