import { describe, expect, it } from 'vitest';
import type { CompiledDeployment } from '../../snapshot/compiled-snapshot.ts';
import { geminiHttpError, retryAfterOf } from './gemini-errors.ts';

const deployment = { provider: { id: 'p', type: 'gemini' }, upstreamModel: 'gemini-x' } as unknown as CompiledDeployment;
const body = (code: number, status: string, details?: unknown[]) => JSON.stringify({ error: { code, message: 'Project 123456 secret words', status, ...(details ? { details } : {}) } });

describe('geminiHttpError', () => {
  it('keeps the status class, logs Gemini’s status, and never shows Gemini’s message', () => {
    const err = geminiHttpError(deployment, 400, {}, body(400, 'INVALID_ARGUMENT'));
    expect(err.code).toBe('upstream_invalid_request');
    expect(err.upstreamErrorCode).toBe('INVALID_ARGUMENT');
    expect(err.message).not.toMatch(/secret|123456/);
    expect(geminiHttpError(deployment, 403, {}, body(403, 'PERMISSION_DENIED')).code).toBe('upstream_auth_failed');
    expect(geminiHttpError(deployment, 500, {}, body(500, 'INTERNAL')).code).toBe('upstream_error');
    expect(geminiHttpError(deployment, 504, {}, body(504, 'DEADLINE_EXCEEDED')).code).toBe('upstream_timeout');
  });

  it('treats 400 API_KEY_INVALID as the gateway’s credential failing', () => {
    const err = geminiHttpError(deployment, 400, {}, body(400, 'INVALID_ARGUMENT', [{ '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'API_KEY_INVALID' }]));
    expect(err.code).toBe('upstream_auth_failed');
    expect(err.fallsBack).toBe(true);
  });

  it('keeps a 429’s wait: the retry-after header first, else RetryInfo’s retryDelay rounded up', () => {
    const retryInfo = [{ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '37.2s' }];
    expect(geminiHttpError(deployment, 429, {}, body(429, 'RESOURCE_EXHAUSTED', retryInfo)).retryAfterSeconds).toBe(38);
    expect(geminiHttpError(deployment, 429, { 'retry-after': '5' }, body(429, 'RESOURCE_EXHAUSTED', retryInfo)).retryAfterSeconds).toBe(5);
    expect(geminiHttpError(deployment, 429, {}, body(429, 'RESOURCE_EXHAUSTED')).retryAfterSeconds).toBeUndefined();
    expect(retryAfterOf(undefined, [{ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '999999s' }])).toBe(3600);
    expect(retryAfterOf('Wed, 21 Oct 2015 07:28:00 GMT')).toBeUndefined();
  });
});
