import { createHash, randomUUID } from 'node:crypto';
import { EVENT_VERSION, type RequestEvent } from '@proxystacks/shared/events/request-event';
import { formatEventTime } from '@proxystacks/shared/events/request-events-ddl';

/** The tenant the events belong to (real ids of the control plane under test, so priced events reach its ledger). */
export interface EventTenant {
  orgId: string;
  projectId: string;
  teamId: string;
  keyId: string;
  environmentId: string;
  environment: string;
}

const MODELS = [
  { alias: 'gpt-4o-mini', provider: 'prov-openai', type: 'openai', upstream: 'gpt-4o-mini-2024-07-18' },
  { alias: 'claude-sonnet', provider: 'prov-anthropic', type: 'anthropic', upstream: 'claude-sonnet-4-20250514' },
  { alias: 'gemini-flash', provider: 'prov-gemini', type: 'gemini', upstream: 'gemini-2.5-flash' },
  { alias: 'deepseek-chat', provider: 'prov-deepseek', type: 'deepseek', upstream: 'deepseek-chat' },
] as const;

/**
 * Events of the size and variety `buildRequestEvent` makes under real traffic: fresh request ids
 * (x-request-id form), four models on four providers, 60 % streamed with a first token, one
 * attempt (one in ten with a failed attempt before a fallback), one in twenty an error, one in
 * `pricedEvery` priced (debited to the ledger; Infinity: none), key prefix and HMAC trace as the data plane
 * writes them. Deterministic but for the request ids and the time.
 */
export function createRealisticEvents(tenant: EventTenant, options: { dataplaneId: string; pricedEvery: number }) {
  const keyHashId = createHash('sha256').update(tenant.keyId).digest('hex').slice(0, 16);
  let n = 0;
  return function next(): RequestEvent {
    const i = n++;
    const model = MODELS[i % MODELS.length]!;
    const failed = i % 20 === 19;
    const fellBack = i % 10 === 3;
    const streamed = i % 5 < 3;
    const prompt = 200 + ((i * 37) % 1800);
    const completion = failed ? 0 : 20 + ((i * 53) % 900);
    const latency = 300 + ((i * 97) % 4000);
    const priced = !failed && Number.isFinite(options.pricedEvery) && i % options.pricedEvery === 0;
    const attempt = { deployment_id: `route-${model.provider}-1`, provider_id: model.provider, upstream_model: model.upstream, status: failed ? 502 : 200, latency_ms: latency, error_code: failed ? 'upstream_error' : '' };
    const attemptLog = fellBack
      ? [{ deployment_id: 'route-prov-backup-1', provider_id: 'prov-backup', upstream_model: 'backup-model', status: 503, latency_ms: 41, error_code: 'upstream_error' }, attempt]
      : [attempt];
    return {
      event_version: EVENT_VERSION,
      request_id: `req_${randomUUID().replaceAll('-', '')}`,
      ts: formatEventTime(Date.now()),
      org_id: tenant.orgId,
      project_id: tenant.projectId,
      team_id: tenant.teamId,
      key_id: tenant.keyId,
      alias: model.alias,
      provider_id: model.provider,
      provider_type: model.type,
      upstream_model: model.upstream,
      status_code: failed ? 502 : 200,
      error_code: failed ? 'upstream_error' : '',
      upstream_error_code: failed ? 'server_error' : '',
      attempts: attemptLog.length,
      prompt_tokens: prompt,
      completion_tokens: completion,
      cached_tokens: i % 7 === 0 ? Math.floor(prompt / 2) : 0,
      usage_source: failed ? 'none' : 'provider',
      cost_micros: priced ? prompt * 3 + completion * 12 : 0,
      pricing_rule_id: priced ? 'rule-1' : '',
      pricing_rule_version: priced ? 1 : 0,
      snapshot_version: 42,
      latency_ms: latency,
      ttft_ms: streamed && !failed ? 120 + (i % 300) : null,
      streamed,
      stream_end: streamed ? (failed ? 'error' : 'done') : '',
      finish_reason: failed ? '' : 'stop',
      dataplane_id: options.dataplaneId,
      environment_id: tenant.environmentId,
      environment: tenant.environment,
      key_prefix: 'sk-relay-AbCd1234',
      key_hash_id: keyHashId,
      cost_saved_micros: 0,
      cache_hit: false,
      attempt_log: attemptLog,
      cache_write_tokens: 0,
    };
  };
}
