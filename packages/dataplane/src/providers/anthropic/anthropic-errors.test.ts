import { describe, expect, it } from 'vitest';
import type { CompiledDeployment } from '../../snapshot/compiled-snapshot.ts';
import { anthropicHttpError } from './anthropic-errors.ts';

const deployment = { provider: { id: 'prov-a' }, upstreamModel: 'claude-x' } as CompiledDeployment;
const body = (type: string, message = 'secret account detail') => JSON.stringify({ type: 'error', error: { type, message }, request_id: 'req_1' });

describe('anthropicHttpError', () => {
  it.each([
    [400, 'invalid_request_error', 'upstream_invalid_request'],
    [401, 'authentication_error', 'upstream_auth_failed'],
    [403, 'permission_error', 'upstream_auth_failed'],
    [402, 'billing_error', 'upstream_error'],
    [404, 'not_found_error', 'upstream_invalid_request'],
    [429, 'rate_limit_error', 'upstream_rate_limited'],
    [500, 'api_error', 'upstream_error'],
    [504, 'timeout_error', 'upstream_timeout'],
    [529, 'overloaded_error', 'upstream_overloaded'],
  ])('maps %i %s to %s, keeping the type for the event only', (status, type, code) => {
    const err = anthropicHttpError(deployment, status, body(type), null);
    expect(err.code).toBe(code);
    expect(err.upstreamErrorCode).toBe(type);
    expect(err.attempts).toEqual([{ providerId: 'prov-a', upstreamModel: 'claude-x', code, upstreamStatus: status, upstreamErrorCode: type }]);
    expect(err.message).not.toContain('secret');
  });

  it('keeps the upstream retry-after, and makes overload a retryable 503', () => {
    expect(anthropicHttpError(deployment, 429, body('rate_limit_error'), 12)).toMatchObject({ code: 'upstream_rate_limited', retryAfterSeconds: 12, status: 429 });
    expect(anthropicHttpError(deployment, 529, body('overloaded_error'), null)).toMatchObject({ status: 503, retryable: true, fallsBack: true });
  });

  it('recognises a prompt past the context window', () => {
    const err = anthropicHttpError(deployment, 400, body('invalid_request_error', 'prompt is too long: 208310 tokens > 200000 maximum'), null);
    expect(err.code).toBe('context_length_exceeded');
    expect(err.message).not.toContain('208310');
  });

  it('copes with a body that is not Anthropic JSON', () => {
    expect(anthropicHttpError(deployment, 502, '<html>bad gateway</html>', null).code).toBe('upstream_error');
  });
});
