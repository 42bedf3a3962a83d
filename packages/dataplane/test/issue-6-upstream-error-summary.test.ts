import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from './dataplane-harness.ts';

/**
 * Issue 6, item 9: an upstream's 4xx message reached the client verbatim, and providers put
 * organisation and account ids in it. The client now gets our own words with the provider's
 * code (and `param`) kept so it can still act; the event keeps only the provider's code.
 */
const ACCOUNT_ID = 'org-Zq8aL1v9SecretAcct42';

/** What the loopback upstream answers next: status and JSON body. */
let nextAnswer: { status: number; body: unknown } = { status: 400, body: {} };
let upstream: Server;
let h: Harness;

beforeAll(async () => {
  upstream = createServer((req, res) => {
    req.resume().on('end', () => {
      res.writeHead(nextAnswer.status, { 'content-type': 'application/json' }).end(JSON.stringify(nextAnswer.body));
    });
  });
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  const baseUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}/v1`;
  h = await startHarness();
  h.applySnapshot((content) => {
    content.providers.push({ id: 'prov-leaky', orgId: 'org-1', name: 'Leaky', type: 'openai_compatible', baseUrl, credential: null, environments: [] });
    content.routes.push({
      orgId: 'org-1',
      alias: 'leaky',
      deployments: [{ id: 'dep-leaky', providerId: 'prov-leaky', upstreamModel: 'gpt-x', priority: 0, weight: 1, pricingRuleId: null, environment: '' }],
    });
  });
});

afterAll(async () => {
  await h?.close();
  await new Promise<void>((resolve) => (upstream ? upstream.close(() => resolve()) : resolve()));
});

async function ask(stream = false) {
  const response = await fetch(`${h.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${h.activeKey}` },
    body: JSON.stringify({ model: 'leaky', stream, messages: [{ role: 'user', content: 'hi' }] }),
  });
  const text = await response.text();
  return { status: response.status, text, body: JSON.parse(text) as { error: { message: string; type: string; code: string; param: string | null } }, requestId: response.headers.get('x-request-id')! };
}

describe('upstream 4xx answers are summarised in our words (issue 6)', () => {
  it('keeps a well-known code and its param, never the provider text with the account id', async () => {
    nextAnswer = {
      status: 400,
      body: {
        error: {
          message: `This model's maximum context length is 128000 tokens. Organization ${ACCOUNT_ID} requested 200000 tokens.`,
          type: 'invalid_request_error',
          param: 'messages',
          code: 'context_length_exceeded',
        },
      },
    };
    for (const stream of [false, true]) {
      const answer = await ask(stream);
      expect(answer.status).toBe(400);
      expect(answer.text).not.toContain(ACCOUNT_ID);
      expect(answer.text).not.toContain('128000');
      expect(answer.body.error).toMatchObject({ type: 'invalid_request_error', code: 'context_length_exceeded', param: 'messages' });
      const event = await h.eventFor(answer.requestId);
      expect(event).toMatchObject({ status_code: 400, error_code: 'context_length_exceeded', upstream_error_code: 'context_length_exceeded' });
      expect(JSON.stringify(event)).not.toContain(ACCOUNT_ID);
    }
  });

  it('keeps a nested param such as messages[3].content', async () => {
    nextAnswer = {
      status: 400,
      body: { error: { message: `Invalid value for ${ACCOUNT_ID}: 'x'.`, type: 'invalid_request_error', param: 'messages[3].content', code: 'invalid_value' } },
    };
    const answer = await ask();
    expect(answer.status).toBe(400);
    expect(answer.body.error).toMatchObject({ code: 'invalid_value', param: 'messages[3].content' });
    expect(answer.text).not.toContain(ACCOUNT_ID);
  });

  it('names an unfamiliar provider code in a generic message', async () => {
    nextAnswer = { status: 422, body: { error: { message: `Account ${ACCOUNT_ID} cannot use this feature.`, code: 'feature_not_enabled' } } };
    const answer = await ask();
    expect(answer.status).toBe(400);
    expect(answer.body.error.code).toBe('upstream_invalid_request');
    expect(answer.body.error.message).toContain('`feature_not_enabled`');
    expect(answer.text).not.toContain(ACCOUNT_ID);
    expect((await h.eventFor(answer.requestId)).upstream_error_code).toBe('feature_not_enabled');
  });

  it('drops a code or param that is not an identifier (free text smuggled into those fields)', async () => {
    nextAnswer = { status: 400, body: { error: { message: 'no', code: `bad for ${ACCOUNT_ID}`, param: `${ACCOUNT_ID} field` } } };
    const answer = await ask();
    expect(answer.body.error).toMatchObject({ code: 'upstream_invalid_request', param: null, message: 'The upstream provider rejected the request.' });
    expect(answer.text).not.toContain(ACCOUNT_ID);
  });

  it('answers a plain-text 4xx with our message alone', async () => {
    nextAnswer = { status: 400, body: `Bad request from ${ACCOUNT_ID}` };
    const answer = await ask();
    expect(answer.body.error).toMatchObject({ code: 'upstream_invalid_request', message: 'The upstream provider rejected the request.' });
  });
});
