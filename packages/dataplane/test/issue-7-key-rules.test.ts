import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { displayPrefix, generateKey, hashKey } from '@proxystacks/shared/keys/key-format';
import { createSnapshot } from '@proxystacks/shared/snapshot/config-snapshot';
import { snapshotCredentialKey } from '@proxystacks/shared/snapshot/snapshot-credentials';
import type { RequestEvent } from '@proxystacks/shared/events/request-event';
import { authenticate } from '../src/auth/authenticate.ts';
import { compileSnapshot } from '../src/snapshot/compiled-snapshot.ts';
import { INTERNAL_TOKEN, KEY_SECRET, startHarness, testKey, type Harness } from './dataplane-harness.ts';

/**
 * Issue 7, keys: status (active / disabled / revoked), expiry, rotation grace and allow-lists
 * are enforced on the hot path with their own OpenAI-shaped codes, `GET /v1/models` lists only
 * what a key may call, and every refusal leaves an event naming the key (or, for an unknown
 * key, its prefix and hash id) — never the secret.
 */
const HOUR_MS = 3_600_000;
const secrets = {
  disabled: generateKey(),
  expired: generateKey(),
  notYetExpired: generateKey(),
  restricted: generateKey(),
  rotatedNew: generateKey(),
  rotatedOld: generateKey(),
  graceOverNew: generateKey(),
  graceOverOld: generateKey(),
  unknown: generateKey(),
};

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
  const now = Date.now();
  h.applySnapshot((c) => {
    c.keys.push(
      testKey('key-disabled', secrets.disabled, { status: 'disabled', teamId: 'team-2', projectId: 'proj-2', environmentId: 'env-2s', environment: 'staging' }),
      testKey('key-expired', secrets.expired, { expiresAt: now - 1_000 }),
      testKey('key-future', secrets.notYetExpired, { expiresAt: now + HOUR_MS }),
      testKey('key-restricted', secrets.restricted, { allowedAliases: ['relay-mini', 'with-fallback'] }),
      testKey('key-rotated', secrets.rotatedNew, { previousHash: hashKey(secrets.rotatedOld, KEY_SECRET), previousHashExpiresAt: now + HOUR_MS }),
      testKey('key-grace-over', secrets.graceOverNew, { previousHash: hashKey(secrets.graceOverOld, KEY_SECRET), previousHashExpiresAt: now - 1_000 }),
    );
  });
});
afterAll(async () => {
  await h?.close();
});

interface ErrorBody {
  error: { message: string; type: string; code: string; param: string | null };
}

async function chat(key: string, model = 'relay-mini'): Promise<{ status: number; body: unknown; text: string; event: RequestEvent }> {
  const response = await fetch(`${h.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model, messages: [{ role: 'user', content: 'Hello' }] }),
  });
  const text = await response.text();
  return { status: response.status, body: JSON.parse(text) as unknown, text, event: await h.eventFor(response.headers.get('x-request-id')!) };
}

const allSecrets = () => [...Object.values(secrets), h.activeKey, h.revokedKey];

function expectNoSecret(text: string): void {
  for (const secret of allSecrets()) expect(text).not.toContain(secret);
  // Nor any part of a secret beyond its display prefix.
  for (const secret of allSecrets()) expect(text).not.toContain(secret.slice(displayPrefix(secret).length, displayPrefix(secret).length + 12));
}

describe('key status and expiry', () => {
  const refusals: Array<[string, keyof typeof secrets | 'revoked', string, Partial<RequestEvent>]> = [
    ['a revoked key', 'revoked', 'api_key_revoked', { key_id: 'key-revoked', org_id: 'org-1', team_id: 'team-1', project_id: 'proj-1', environment_id: 'env-1', environment: 'production' }],
    ['a disabled key', 'disabled', 'api_key_disabled', { key_id: 'key-disabled', org_id: 'org-1', team_id: 'team-2', project_id: 'proj-2', environment_id: 'env-2s', environment: 'staging' }],
    ['an expired key', 'expired', 'api_key_expired', { key_id: 'key-expired', org_id: 'org-1', team_id: 'team-1', project_id: 'proj-1', environment_id: 'env-1', environment: 'production' }],
  ];
  for (const [what, which, code, columns] of refusals) {
    it(`refuses ${what} with 401 ${code} and records the refusal under the key`, async () => {
      const secret = which === 'revoked' ? h.revokedKey : secrets[which];
      const { status, body, text, event } = await chat(secret);
      expect(status).toBe(401);
      expect((body as ErrorBody).error).toMatchObject({ code, type: 'invalid_request_error', param: null });
      expectNoSecret(text);
      expect(event).toMatchObject({ ...columns, status_code: 401, error_code: code, key_prefix: displayPrefix(secret), key_hash_id: hashKey(secret, KEY_SECRET).slice(0, 16), attempts: 0, cost_micros: 0 });
      expectNoSecret(JSON.stringify(event));
      // GET /v1/models applies the same checks.
      const models = await fetch(`${h.url}/v1/models`, { headers: { authorization: `Bearer ${secret}` } });
      expect(models.status).toBe(401);
      expect(((await models.json()) as ErrorBody).error.code).toBe(code);
    });
  }

  it('serves a key whose expiry is still ahead', async () => {
    const { status, event } = await chat(secrets.notYetExpired);
    expect(status).toBe(200);
    expect(event).toMatchObject({ key_id: 'key-future', status_code: 200, error_code: '', key_prefix: displayPrefix(secrets.notYetExpired) });
  });

  it('checks expiry against the clock on every request, not when the snapshot was compiled', () => {
    const secret = generateKey();
    const compiled = compileSnapshot(
      createSnapshot({
        version: 1,
        createdAt: new Date().toISOString(),
        keys: [testKey('k', secret, { expiresAt: 10_000, previousHash: hashKey(generateKey(), KEY_SECRET), previousHashExpiresAt: 5_000 })],
        providers: [],
        routes: [],
        pricingRules: [],
      }),
      snapshotCredentialKey(INTERNAL_TOKEN),
    );
    expect(authenticate(`Bearer ${secret}`, compiled, KEY_SECRET, undefined, 9_999).id).toBe('k');
    expect(() => authenticate(`Bearer ${secret}`, compiled, KEY_SECRET, undefined, 10_000)).toThrow(expect.objectContaining({ code: 'api_key_expired' }));
  });
});

describe('rotation grace', () => {
  it('accepts the previous secret during the grace period, as the same key', async () => {
    const old = await chat(secrets.rotatedOld);
    expect(old.status).toBe(200);
    // The prefix is the one presented, so the trail tells the old secret from the new one.
    expect(old.event).toMatchObject({ key_id: 'key-rotated', org_id: 'org-1', key_prefix: displayPrefix(secrets.rotatedOld) });
    const fresh = await chat(secrets.rotatedNew);
    expect(fresh.status).toBe(200);
    expect(fresh.event).toMatchObject({ key_id: 'key-rotated', key_prefix: displayPrefix(secrets.rotatedNew) });
  });

  it('refuses the previous secret once its grace is over, as an unknown key, while the new one works', async () => {
    const old = await chat(secrets.graceOverOld);
    expect(old.status).toBe(401);
    expect((old.body as ErrorBody).error.code).toBe('invalid_api_key');
    expect(old.event).toMatchObject({ org_id: '', key_id: '', error_code: 'invalid_api_key', key_prefix: displayPrefix(secrets.graceOverOld), key_hash_id: hashKey(secrets.graceOverOld, KEY_SECRET).slice(0, 16) });
    expect((await chat(secrets.graceOverNew)).status).toBe(200);
  });
});

describe('alias allow-list', () => {
  it('serves an allowed alias and refuses any other with 403 model_not_allowed, without listing the allowed ones', async () => {
    expect((await chat(secrets.restricted, 'relay-mini')).status).toBe(200);
    for (const model of ['ext-mini', 'no-such-alias']) {
      const { status, body, text, event } = await chat(secrets.restricted, model);
      expect(status).toBe(403);
      const error = (body as ErrorBody).error;
      expect(error).toMatchObject({ code: 'model_not_allowed', param: 'model' });
      expect(error.message).toContain('may not use');
      expect(error.message).not.toContain('relay-mini');
      expect(error.message).not.toContain('with-fallback');
      expectNoSecret(text);
      expect(event).toMatchObject({
        status_code: 403,
        error_code: 'model_not_allowed',
        key_id: 'key-restricted',
        org_id: 'org-1',
        team_id: 'team-1',
        project_id: 'proj-1',
        environment_id: 'env-1',
        environment: 'production',
        key_prefix: displayPrefix(secrets.restricted),
        alias: model === 'ext-mini' ? 'ext-mini' : '(unknown)',
        attempts: 0,
      });
    }
  });

  it('lists only the allowed aliases in GET /v1/models; an unrestricted key sees them all', async () => {
    const list = async (key: string) => {
      const client = new OpenAI({ apiKey: key, baseURL: `${h.url}/v1`, maxRetries: 0 });
      const ids: string[] = [];
      for await (const model of client.models.list()) ids.push(model.id);
      return ids;
    };
    expect(await list(secrets.restricted)).toEqual(['relay-mini', 'with-fallback']);
    expect(await list(h.activeKey)).toEqual(['ext-mini', 'only-down', 'relay-mini', 'with-fallback']);
  });
});

describe('refusals of unknown or malformed keys', () => {
  it('records an unknown well-formed key by its prefix and hash id, never the secret', async () => {
    const { status, body, text, event } = await chat(secrets.unknown);
    expect(status).toBe(401);
    expect((body as ErrorBody).error.code).toBe('invalid_api_key');
    expectNoSecret(text);
    expect(event).toMatchObject({
      org_id: '',
      team_id: '',
      project_id: '',
      environment_id: '',
      environment: '',
      key_id: '',
      status_code: 401,
      error_code: 'invalid_api_key',
      key_prefix: displayPrefix(secrets.unknown),
      key_hash_id: hashKey(secrets.unknown, KEY_SECRET).slice(0, 16),
    });
    expect(event.key_hash_id).toMatch(/^[0-9a-f]{16}$/);
    expectNoSecret(JSON.stringify(event));
  });

  it('stores nothing of a token that is not shaped like a key', async () => {
    const token = 'hunter2-not-a-relay-key-0123456789';
    const { status, text, event } = await chat(token);
    expect(status).toBe(401);
    expect(text).not.toContain(token);
    expect(event).toMatchObject({ org_id: '', key_id: '', error_code: 'invalid_api_key', key_prefix: '', key_hash_id: '' });
    expect(JSON.stringify(event)).not.toContain('hunter2');
  });

  it('keeps every secret out of every recorded event', () => {
    const all = JSON.stringify(h.events);
    expect(h.events.length).toBeGreaterThan(10);
    for (const secret of allSecrets()) expect(all).not.toContain(secret);
  });
});
