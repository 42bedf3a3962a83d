import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateKey } from '@proxystacks/shared/keys/key-format';
import { createSnapshot } from '@proxystacks/shared/snapshot/config-snapshot';
import { snapshotCredentialKey } from '@proxystacks/shared/snapshot/snapshot-credentials';
import type { RequestEvent } from '@proxystacks/shared/events/request-event';
import { compileSnapshot, routeKey } from '../src/snapshot/compiled-snapshot.ts';
import { INTERNAL_TOKEN, startHarness, testKey, type Harness } from './dataplane-harness.ts';

/**
 * Issue 7, routing per environment: an alias may route staging to a cheap deployment and
 * production to the real one; a provider may be enabled only in chosen environments; events
 * carry the key's team, project and environment.
 */
const production = generateKey();
const staging = generateKey();
const development = generateKey();

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
  h.applySnapshot((c) => {
    c.keys.push(
      testKey('key-prod', production, { teamId: 'team-a', projectId: 'proj-a', environmentId: 'env-a-prod', environment: 'production' }),
      testKey('key-staging', staging, { teamId: 'team-a', projectId: 'proj-a', environmentId: 'env-a-staging', environment: 'staging' }),
      testKey('key-dev', development, { teamId: 'team-b', projectId: 'proj-b', environmentId: 'env-b-dev', environment: 'development' }),
    );
    c.providers.push(
      { id: 'prov-real', orgId: 'org-1', name: 'Real', type: 'mock', baseUrl: null, credential: null, environments: [] },
      { id: 'prov-cheap', orgId: 'org-1', name: 'Cheap', type: 'mock', baseUrl: null, credential: null, environments: [] },
      { id: 'prov-prod-only', orgId: 'org-1', name: 'Production only', type: 'mock', baseUrl: null, credential: null, environments: ['production'] },
      { id: 'prov-not-staging', orgId: 'org-1', name: 'Not in staging', type: 'mock', baseUrl: null, credential: null, environments: ['production', 'development'] },
    );
    c.routes.push(
      {
        orgId: 'org-1',
        alias: 'assistant',
        deployments: [
          { id: 'dep-real', providerId: 'prov-real', upstreamModel: 'real-model', priority: 0, weight: 1, pricingRuleId: null, environment: '' },
          { id: 'dep-cheap', providerId: 'prov-cheap', upstreamModel: 'cheap-model', priority: 0, weight: 1, pricingRuleId: null, environment: 'staging' },
        ],
      },
      {
        // The first deployment's provider serves production only: other environments fall back to the second.
        orgId: 'org-1',
        alias: 'gated',
        deployments: [
          { id: 'dep-gated', providerId: 'prov-prod-only', upstreamModel: 'gated-model', priority: 0, weight: 1, pricingRuleId: null, environment: '' },
          { id: 'dep-open', providerId: 'prov-real', upstreamModel: 'open-model', priority: 1, weight: 1, pricingRuleId: null, environment: '' },
        ],
      },
      { orgId: 'org-1', alias: 'prod-only', deployments: [{ id: 'dep-prod-only', providerId: 'prov-prod-only', upstreamModel: 'prod-model', priority: 0, weight: 1, pricingRuleId: null, environment: '' }] },
      {
        // Staging has a route of its own, on a provider switched off in staging: no silent fallback to the production route.
        orgId: 'org-1',
        alias: 'staging-off',
        deployments: [
          { id: 'dep-so-all', providerId: 'prov-real', upstreamModel: 'all-model', priority: 0, weight: 1, pricingRuleId: null, environment: '' },
          { id: 'dep-so-staging', providerId: 'prov-not-staging', upstreamModel: 'staging-model', priority: 0, weight: 1, pricingRuleId: null, environment: 'staging' },
        ],
      },
    );
  });
});
afterAll(async () => {
  await h?.close();
});

interface ErrorBody {
  error: { message: string; code: string; param: string | null };
}

async function chat(key: string, model: string): Promise<{ status: number; body: unknown; event: RequestEvent }> {
  const response = await fetch(`${h.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model, messages: [{ role: 'user', content: 'Hello' }] }),
  });
  return { status: response.status, body: (await response.json()) as unknown, event: await h.eventFor(response.headers.get('x-request-id')!) };
}

async function models(key: string): Promise<string[]> {
  const response = await fetch(`${h.url}/v1/models`, { headers: { authorization: `Bearer ${key}` } });
  expect(response.status).toBe(200);
  return ((await response.json()) as { data: Array<{ id: string }> }).data.map((m) => m.id);
}

describe('routing per environment', () => {
  it('sends a staging key to the staging deployment and production and other keys to the general one', async () => {
    // Weights are equal within priority 0: repeated calls would show a leak into the other deployment.
    for (let i = 0; i < 5; i++) {
      const s = await chat(staging, 'assistant');
      expect(s.status).toBe(200);
      expect((s.body as { model: string }).model).toBe('cheap-model');
      expect(s.event).toMatchObject({ provider_id: 'prov-cheap', upstream_model: 'cheap-model', environment: 'staging', environment_id: 'env-a-staging' });
      const p = await chat(production, 'assistant');
      expect(p.status).toBe(200);
      expect((p.body as { model: string }).model).toBe('real-model');
      expect(p.event).toMatchObject({ provider_id: 'prov-real', upstream_model: 'real-model', environment: 'production' });
    }
    const d = await chat(development, 'assistant');
    expect(d.event).toMatchObject({ status_code: 200, provider_id: 'prov-real', environment: 'development' });
  });

  it('skips a provider not enabled in the key’s environment and falls back to the next deployment', async () => {
    const p = await chat(production, 'gated');
    expect(p.event).toMatchObject({ status_code: 200, provider_id: 'prov-prod-only', attempts: 1 });
    const s = await chat(staging, 'gated');
    // Not tried and failed: never tried at all (one attempt, on the open provider).
    expect(s.event).toMatchObject({ status_code: 200, provider_id: 'prov-real', upstream_model: 'open-model', attempts: 1 });
  });

  it('answers 404 model_not_found when no deployment is left for the environment', async () => {
    expect((await chat(production, 'prod-only')).status).toBe(200);
    for (const [key, alias] of [
      [staging, 'prod-only'],
      [development, 'prod-only'],
      [staging, 'staging-off'],
    ] as const) {
      const { status, body, event } = await chat(key, alias);
      expect(status).toBe(404);
      expect((body as ErrorBody).error).toMatchObject({ code: 'model_not_found', param: 'model' });
      expect((body as ErrorBody).error.message).toContain('not available in this environment');
      expect(event).toMatchObject({ status_code: 404, error_code: 'model_not_found', alias, attempts: 0, provider_id: '' });
    }
    // The general route of the same alias still serves the environments without a route of their own.
    expect((await chat(development, 'staging-off')).event).toMatchObject({ status_code: 200, upstream_model: 'all-model' });
  });

  it('lists in GET /v1/models only the aliases that serve the key’s environment', async () => {
    expect(await models(production)).toEqual(['assistant', 'ext-mini', 'gated', 'only-down', 'prod-only', 'relay-mini', 'staging-off', 'with-fallback']);
    expect(await models(staging)).toEqual(['assistant', 'ext-mini', 'gated', 'only-down', 'relay-mini', 'with-fallback']);
    expect(await models(development)).toEqual(['assistant', 'ext-mini', 'gated', 'only-down', 'relay-mini', 'staging-off', 'with-fallback']);
  });

  it('stamps team, project and environment on every authenticated request’s event', async () => {
    const { event } = await chat(development, 'relay-mini');
    expect(event).toMatchObject({ org_id: 'org-1', team_id: 'team-b', project_id: 'proj-b', environment_id: 'env-b-dev', environment: 'development', key_id: 'key-dev' });
    const failed = await chat(development, 'no-such-alias');
    expect(failed.event).toMatchObject({ status_code: 404, team_id: 'team-b', project_id: 'proj-b', environment_id: 'env-b-dev', environment: 'development' });
  });
});

describe('snapshot compilation', () => {
  it('resolves every (alias, environment with keys) pair up front, so routing is a map lookup', () => {
    const compiled = compileSnapshot(
      createSnapshot({
        version: 1,
        createdAt: new Date().toISOString(),
        keys: [testKey('k1', generateKey(), { environment: 'staging' }), testKey('k2', generateKey(), { environment: 'qa' })],
        providers: [{ id: 'p', orgId: 'org-1', name: 'p', type: 'mock', baseUrl: null, credential: null, environments: ['qa'] }],
        routes: [
          {
            orgId: 'org-1',
            alias: 'a',
            deployments: [
              { id: 'd2', providerId: 'p', upstreamModel: 'm', priority: 2, weight: 1, pricingRuleId: null, environment: '' },
              { id: 'd1', providerId: 'p', upstreamModel: 'm', priority: 1, weight: 1, pricingRuleId: null, environment: '' },
            ],
          },
        ],
        pricingRules: [],
      }),
      snapshotCredentialKey(INTERNAL_TOKEN),
    );
    const route = compiled.routes.get(routeKey('org-1', 'a'))!;
    expect([...route.byEnvironment.keys()].sort()).toEqual(['qa', 'staging']);
    expect(route.byEnvironment.get('qa')!.map((d) => d.id)).toEqual(['d1', 'd2']);
    expect(route.byEnvironment.get('staging')).toEqual([]);
  });
});
