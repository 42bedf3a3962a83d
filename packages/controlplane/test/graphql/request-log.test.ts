import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RequestEvent } from '@proxystacks/shared/events/request-event';
import { testRequestEvent } from '@proxystacks/shared/events/test-request-event';
import { formatEventTime } from '@proxystacks/shared/events/request-events-ddl';
import { insertRequestEvents } from '@proxystacks/shared/events/insert-request-events';
import { findRequest, listRequests } from '../../src/analytics/request-log-query.ts';
import { startGraphQLHarness, type GraphQLHarness } from './graphql-harness.ts';

const T0 = Date.parse('2025-04-01T00:00:00.000Z');
const HOUR = 3_600_000;
const ENTRY_FIELDS = `requestId ts keyId keyName keyPrefix teamId model providerId providerType upstreamModel statusCode
  errorCode upstreamErrorCode attempts promptTokens completionTokens cachedTokens cacheWriteTokens usageSource costMicros pricingRuleId
  pricingRuleVersion snapshotVersion latencyMs ttftMs streamed streamEnd finishReason`;
const REQUEST = `query($id: ID!) { request(id: $id) { ${ENTRY_FIELDS} } }`;
const REQUESTS = `query($from: DateTime!, $to: DateTime!, $keyId: ID, $model: String, $status: RequestStatusFilter, $first: Int, $after: String) {
  requests(from: $from, to: $to, keyId: $keyId, model: $model, status: $status, first: $first, after: $after) {
    entries { requestId ts statusCode model keyId }
    nextCursor
  }
}`;

interface Entry {
  requestId: string;
  ts: string;
  statusCode: number;
  model: string;
  keyId: string | null;
}

interface Page {
  entries: Entry[];
  nextCursor: string | null;
}

let h: GraphQLHarness;
let key: { id: string; prefix: string; teamId: string };
/** Every event of the admin's org in [T0, T0 + 1h), newest first by (ts, request_id). */
let inRange: RequestEvent[];
let detailed: RequestEvent;
let failed: RequestEvent;
let duplicated: RequestEvent;
let foreign: RequestEvent;

function event(atMs: number, overrides: Partial<RequestEvent> = {}): RequestEvent {
  return testRequestEvent({ ts: formatEventTime(atMs), org_id: h.orgId, provider_id: 'p1', key_id: key.id, ...overrides });
}

function newestFirst(a: RequestEvent, b: RequestEvent): number {
  if (a.ts !== b.ts) return a.ts < b.ts ? 1 : -1;
  return a.request_id < b.request_id ? 1 : -1;
}

beforeAll(async () => {
  h = await startGraphQLHarness();
  const created = await h.ok<{ createKey: { key: { id: string; prefix: string; team: { id: string } } } }>(
    'mutation($input: CreateKeyInput!) { createKey(input: $input) { key { id prefix team { id } } } }',
    { input: { name: 'support-app' } },
  );
  key = { id: created.createKey.key.id, prefix: created.createKey.key.prefix, teamId: created.createKey.key.team.id };

  detailed = event(T0 + 5 * 60_000, {
    team_id: key.teamId,
    provider_type: 'openai',
    upstream_model: 'gpt-4o-mini',
    attempts: 2,
    prompt_tokens: 1200,
    completion_tokens: 300,
    cached_tokens: 200,
    cache_write_tokens: 400,
    cost_micros: 12_345_678_901,
    pricing_rule_id: 'rule-1',
    pricing_rule_version: 3,
    snapshot_version: 42,
    latency_ms: 850,
    ttft_ms: 120,
    streamed: true,
    stream_end: 'done',
    finish_reason: 'length',
  });
  failed = event(T0 + 10 * 60_000, {
    alias: 'no-such-model',
    status_code: 502,
    error_code: 'upstream_error',
    upstream_error_code: 'server_overloaded',
    usage_source: 'none',
    finish_reason: '',
    attempts: 3,
  });
  duplicated = event(T0 + 20 * 60_000, { alias: 'relay-large' });
  // Five requests in the same millisecond: only request_id orders them, so pages must split them cleanly.
  const sameMs = Array.from({ length: 5 }, () => event(T0 + 30 * 60_000));
  const others = Array.from({ length: 6 }, (_, i) => event(T0 + (40 + i) * 60_000 + i));
  const unauthenticated = event(T0 + 50 * 60_000, { key_id: '', status_code: 401, error_code: 'invalid_api_key', usage_source: 'none' });
  inRange = [detailed, failed, duplicated, ...sameMs, ...others, unauthenticated].sort(newestFirst);
  foreign = event(T0 + 15 * 60_000, { org_id: randomUUID() });

  await insertRequestEvents(h.clickhouse.inserter, h.clickhouse.database, 'batch-1', [
    ...inRange,
    foreign,
    // Outside [T0, T0 + 1h): never listed.
    event(T0 - 1),
    event(T0 + HOUR),
  ]);
  // A retried delivery in another batch: FINAL shows it once.
  await insertRequestEvents(h.clickhouse.inserter, h.clickhouse.database, 'batch-2', [duplicated]);
});

afterAll(async () => {
  await h?.close();
});

async function page(variables: Record<string, unknown>): Promise<Page> {
  const data = await h.ok<{ requests: Page }>(REQUESTS, {
    from: new Date(T0).toISOString(),
    to: new Date(T0 + HOUR).toISOString(),
    ...variables,
  });
  return data.requests;
}

async function allPages(variables: Record<string, unknown>): Promise<{ ids: string[]; pages: number }> {
  const ids: string[] = [];
  let after: string | null = null;
  let pages = 0;
  do {
    const result: Page = await page({ ...variables, after });
    ids.push(...result.entries.map((e) => e.requestId));
    after = result.nextCursor;
    pages += 1;
    if (pages > 50) throw new Error('pagination did not end');
  } while (after !== null);
  return { ids, pages };
}

describe('request log over GraphQL', () => {
  it('finds one request by its id, with every field and the key from Postgres', async () => {
    const data = await h.ok<{ request: Record<string, unknown> }>(REQUEST, { id: detailed.request_id });
    expect(data.request).toEqual({
      requestId: detailed.request_id,
      ts: '2025-04-01T00:05:00.000Z',
      keyId: key.id,
      keyName: 'support-app',
      keyPrefix: key.prefix,
      teamId: key.teamId,
      model: 'relay-mini',
      providerId: 'p1',
      providerType: 'openai',
      upstreamModel: 'gpt-4o-mini',
      statusCode: 200,
      errorCode: null,
      upstreamErrorCode: null,
      attempts: 2,
      promptTokens: 1200,
      completionTokens: 300,
      cachedTokens: 200,
      cacheWriteTokens: 400,
      usageSource: 'provider',
      // Past 2^31: exact, as a string.
      costMicros: '12345678901',
      pricingRuleId: 'rule-1',
      pricingRuleVersion: 3,
      snapshotVersion: 42,
      latencyMs: 850,
      ttftMs: 120,
      streamed: true,
      streamEnd: 'done',
      finishReason: 'length',
    });
  });

  it('shows a failed request with its error codes and nulls for what it lacks', async () => {
    const data = await h.ok<{ request: Record<string, unknown> }>(REQUEST, { id: failed.request_id });
    expect(data.request).toMatchObject({
      statusCode: 502,
      errorCode: 'upstream_error',
      upstreamErrorCode: 'server_overloaded',
      attempts: 3,
      model: 'no-such-model',
      teamId: null,
      pricingRuleId: null,
      pricingRuleVersion: null,
      ttftMs: null,
      streamed: false,
      streamEnd: null,
      finishReason: null,
      costMicros: '0',
    });
  });

  it("answers null for an unknown id and for another org's request", async () => {
    const unknown = await h.ok<{ request: null }>(REQUEST, { id: `req_${'0'.repeat(32)}` });
    expect(unknown.request).toBeNull();
    const other = await h.ok<{ request: null }>(REQUEST, { id: foreign.request_id });
    expect(other.request).toBeNull();
    // The row is there: the org binding, not a missing row, hides it.
    expect(await findRequest(h.clickhouse, { orgId: foreign.org_id, scope: { visibleTeams: 'all' }, requestId: foreign.request_id })).toMatchObject({
      request_id: foreign.request_id,
    });
  });

  it('lists the org requests in range newest first, a retried batch once', async () => {
    const result = await page({ first: 200 });
    expect(result.nextCursor).toBeNull();
    expect(result.entries.map((e) => e.requestId)).toEqual(inRange.map((e) => e.request_id));
    expect(result.entries.filter((e) => e.requestId === duplicated.request_id)).toHaveLength(1);
    expect(result.entries.map((e) => e.requestId)).not.toContain(foreign.request_id);
    const unauthenticated = result.entries.find((e) => e.statusCode === 401);
    expect(unauthenticated?.keyId).toBeNull();
  });

  it('pages through equal timestamps without duplicates or gaps', async () => {
    for (const first of [1, 2, 3, 4, 7]) {
      const { ids, pages } = await allPages({ first });
      expect(ids, `first: ${first}`).toEqual(inRange.map((e) => e.request_id));
      expect(pages).toBe(Math.ceil(inRange.length / first));
    }
  });

  it('filters by status, model and key', async () => {
    const errors = await page({ status: 'ERROR' });
    expect(errors.entries.map((e) => e.requestId)).toEqual(inRange.filter((e) => e.status_code >= 400).map((e) => e.request_id));
    expect(errors.entries).toHaveLength(2);
    const successes = await page({ status: 'SUCCESS' });
    expect(successes.entries).toHaveLength(inRange.length - 2);
    expect(successes.entries.every((e) => e.statusCode < 400)).toBe(true);

    const model = await page({ model: 'relay-large' });
    expect(model.entries.map((e) => e.requestId)).toEqual([duplicated.request_id]);
    const keyed = await page({ keyId: key.id, status: 'ERROR' });
    expect(keyed.entries.map((e) => e.requestId)).toEqual([failed.request_id]);
    const otherKey = await page({ keyId: randomUUID() });
    expect(otherKey).toEqual({ entries: [], nextCursor: null });

    const { ids } = await allPages({ status: 'SUCCESS', first: 2 });
    expect(ids).toEqual(inRange.filter((e) => e.status_code < 400).map((e) => e.request_id));
  });

  it('treats the range as half-open [from, to)', async () => {
    const firstMinute = await page({ to: new Date(T0 + 6 * 60_000).toISOString() });
    expect(firstMinute.entries.map((e) => e.requestId)).toEqual([detailed.request_id]);
    const atDetail = await page({ from: new Date(T0 + 5 * 60_000).toISOString(), to: new Date(T0 + 5 * 60_000 + 1).toISOString() });
    expect(atDetail.entries.map((e) => e.requestId)).toEqual([detailed.request_id]);
  });

  it('binds the org as a parameter', async () => {
    const result = await listRequests(h.clickhouse, { orgId: "x' OR 1=1 --", scope: { visibleTeams: 'all' }, from: new Date(T0), to: new Date(T0 + HOUR) });
    expect(result).toEqual({ events: [], nextCursor: null });
  });

  it('rejects bad cursors, limits, ranges and ids as BAD_USER_INPUT', async () => {
    const expectBad = async (query: string, variables: Record<string, unknown>, param: string): Promise<void> => {
      const { status, body } = await h.gql(query, variables);
      expect(status).toBe(200);
      expect(body.data?.[query === REQUEST ? 'request' : 'requests'] ?? null).toBeNull();
      expect(body.errors?.[0]?.extensions, JSON.stringify(variables)).toMatchObject({ code: 'BAD_USER_INPUT', param });
    };
    const range = { from: new Date(T0).toISOString(), to: new Date(T0 + HOUR).toISOString() };
    const forged = Buffer.from(JSON.stringify(['yesterday', 'req_x'])).toString('base64url');
    for (const after of ['not a cursor', 'e30', forged, 'x'.repeat(300)]) {
      await expectBad(REQUESTS, { ...range, after }, 'after');
    }
    for (const first of [0, -1, 201]) await expectBad(REQUESTS, { ...range, first }, 'first');
    await expectBad(REQUESTS, { from: range.to, to: range.from }, 'from');
    await expectBad(REQUESTS, { from: range.from, to: range.from }, 'from');
    await expectBad(REQUESTS, { from: '2024-01-01T00:00:00Z', to: '2025-01-01T00:00:01Z' }, 'to');
    await expectBad(REQUEST, { id: 'req_123' }, 'id');
    await expectBad(REQUEST, { id: `REQ_${'A'.repeat(32)}` }, 'id');

    const { body } = await h.gql(REQUESTS, { ...range, first: 201 });
    expect(body.errors?.[0]?.message).toBe('`first` must be a whole number from 1 to 200.');
  });

  it('is only for signed-in admins', async () => {
    const { status, body } = await h.gql(REQUEST, { id: detailed.request_id }, null);
    expect(status).toBe(401);
    expect(body.data ?? null).toBeNull();
  });
});
