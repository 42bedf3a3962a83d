import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateKey } from '@proxystacks/shared/keys/key-format';
import { admissionPromptTokens } from '@proxystacks/dataplane/metering/estimate-tokens';
import { postAndHangUpAfterFirstChunk as postAndHangUp } from '../../dataplane/test/dataplane-harness.ts';
import { insertKey } from '../src/domain/keys.ts';
import { inTransaction } from '../src/domain/transaction.ts';
import { startQuotaStack, type QuotaStack, type StackDataplane } from './support/quota-stack.ts';
import { testDatabaseKinds } from './support/test-database.ts';

/** Prices of the demo seed's pricing rule (bootstrap.ts DEMO), micros per million tokens. */
const INPUT_PRICE = 150_000;
const OUTPUT_PRICE = 600_000;

interface Tenant {
  secret: string;
  keyId: string;
  teamId: string;
  projectId: string;
  environmentId: string;
  name: string;
}

interface Answer {
  status: number;
  headers: Headers;
  body: string;
  json<T = { error: { code: string; message: string; type: string; param: string | null } }>(): T;
}

/**
 * Admission through real data planes (uWS on loopback, the mock provider) against the quota
 * service of a real control plane: rate limits with OpenAI's headers, hard and alert budgets,
 * reservations released on abort and failure, a stream cut by a budget, two data planes sharing
 * one budget, degraded mode, and GET /v1/key.
 */
describe.each(testDatabaseKinds())('issue 8: admission (%s)', (kind) => {
  let stack: QuotaStack;
  let dp: StackDataplane;

  beforeAll(async () => {
    stack = await startQuotaStack(kind);
    dp = await stack.startDataplane({ QUOTA_WAIT_MS: '2000', DEFAULT_RESERVE_OUTPUT_TOKENS: '40', QUOTA_STREAM_STEP_TOKENS: '10' });
  }, 120_000);

  afterAll(async () => {
    await stack?.close();
  });

  /** A team, project, environment and key of their own, so each test's limits touch nothing else. */
  async function tenant(): Promise<Tenant> {
    const prisma = stack.db.prisma;
    const name = `t-${randomUUID().slice(0, 8)}`;
    const team = await prisma.team.create({ data: { orgId: stack.orgId, name } });
    const project = await prisma.project.create({ data: { orgId: stack.orgId, teamId: team.id, name } });
    const environment = await prisma.environment.create({ data: { orgId: stack.orgId, projectId: project.id, name: 'production' } });
    const secret = generateKey();
    const created = await inTransaction(prisma, (tx) => insertKey(tx, { orgId: stack.orgId, teamId: team.id, projectId: project.id, environmentId: environment.id, name: `${name}-key`, secret }, stack.keySecret));
    return { secret, keyId: created.key.id, teamId: team.id, projectId: project.id, environmentId: environment.id, name: `${name}-key` };
  }

  async function publishTo(...dataplanes: StackDataplane[]): Promise<void> {
    const version = await stack.publish();
    for (const d of dataplanes.length === 0 ? [dp] : dataplanes) await stack.awaitSnapshot(d, version);
  }

  function rateLimit(scope: 'KEY' | 'TEAM' | 'PROJECT', scopeId: string, limits: { rpm?: number; tpm?: number; conc?: number }) {
    return stack.db.prisma.rateLimit.create({
      data: { orgId: stack.orgId, scope, scopeId, requestsPerMinute: limits.rpm ?? null, tokensPerMinute: limits.tpm ?? null, concurrentRequests: limits.conc ?? null },
    });
  }

  function budget(scopeId: string, amountMicros: number, mode: 'HARD' | 'ALERT' = 'HARD', name = 'daily cap') {
    return stack.db.prisma.budget.create({ data: { orgId: stack.orgId, scope: 'KEY', scopeId, name, period: 'DAY', amountMicros: BigInt(amountMicros), mode } });
  }

  async function chat(t: Tenant, content = 'Hello there', extra: Record<string, unknown> = {}, via: StackDataplane = dp): Promise<Answer> {
    const response = await fetch(`${via.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${t.secret}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'relay-mini', messages: [{ role: 'user', content }], ...extra }),
    });
    const body = await response.text();
    return { status: response.status, headers: response.headers, body, json: () => JSON.parse(body) };
  }

  async function keyInfo(t: Tenant, via: StackDataplane = dp) {
    const response = await fetch(`${via.url}/v1/key`, { headers: { authorization: `Bearer ${t.secret}` } });
    expect(response.status).toBe(200);
    return ((await response.json()) as { data: KeyInfo }).data;
  }

  /** Rate-limit tests count within one UTC minute: start them with enough of it left. */
  async function withMinuteLeft(ms: number): Promise<void> {
    while (60_000 - (Date.now() % 60_000) < ms) await new Promise((resolve) => setTimeout(resolve, 250));
  }

  async function eventOf(via: StackDataplane | StackDataplane[], requestId: string) {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const event = (Array.isArray(via) ? via : [via]).flatMap((d) => d.events).find((e) => e.request_id === requestId);
      if (event !== undefined) return event;
      if (Date.now() > deadline) throw new Error(`no event for ${requestId}`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  it('enforces requests per minute on a key, with OpenAI\'s headers on every answer and retry-after on the 429', async () => {
    const t = await tenant();
    await rateLimit('KEY', t.keyId, { rpm: 3 });
    await publishTo();
    await withMinuteLeft(20_000);
    const remaining: string[] = [];
    for (let i = 0; i < 3; i++) {
      const answer = await chat(t);
      expect(answer.status).toBe(200);
      expect(answer.headers.get('x-ratelimit-limit-requests')).toBe('3');
      expect(answer.headers.get('x-ratelimit-reset-requests')).toMatch(/^(\d+ms|\d+(\.\d+)?s)$/);
      remaining.push(answer.headers.get('x-ratelimit-remaining-requests')!);
    }
    expect(remaining).toEqual(['2', '1', '0']);
    const refused = await chat(t);
    expect(refused.status).toBe(429);
    expect(refused.json().error).toMatchObject({ code: 'rate_limit_exceeded', type: 'rate_limit_error', param: null });
    expect(refused.json().error.message).toContain(`API key '${t.name}'`);
    expect(refused.json().error.message).toContain('requests per minute');
    const retryAfter = Number(refused.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(refused.headers.get('x-ratelimit-remaining-requests')).toBe('0');
    // Every answer of the key carries them, errors that are not about limits included.
    const unknownModel = await fetch(`${dp.url}/v1/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${t.secret}`, 'content-type': 'application/json' }, body: JSON.stringify({ model: 'nope', messages: [{ role: 'user', content: 'x' }] }) });
    expect(unknownModel.status).toBe(404);
    expect(unknownModel.headers.get('x-ratelimit-limit-requests')).toBe('3');
  });

  it('enforces tokens per minute on a team: reserves prompt + max_tokens, settles to the real usage', async () => {
    const t = await tenant();
    await rateLimit('TEAM', t.teamId, { tpm: 300 });
    await publishTo();
    await withMinuteLeft(20_000);
    const prompt = await admissionPromptTokens([{ role: 'user', content: 'Hello there' }]);
    const first = await chat(t, 'Hello there', { max_tokens: 50 });
    expect(first.status).toBe(200);
    expect(first.headers.get('x-ratelimit-limit-tokens')).toBe('300');
    expect(first.headers.get('x-ratelimit-remaining-tokens')).toBe(String(300 - prompt - 50));
    const usage = (JSON.parse(first.body) as { usage: { total_tokens: number } }).usage;
    const info = await keyInfo(t);
    const tpm = info.rate_limits.find((l) => l.kind === 'tokens_per_minute')!;
    expect(tpm).toMatchObject({ scope: 'team', limit: 300, used: usage.total_tokens, remaining: 300 - usage.total_tokens });
    const tooBig = await chat(t, 'Hello there', { max_tokens: 1_000 });
    expect(tooBig.status).toBe(429);
    expect(tooBig.json().error.code).toBe('rate_limit_exceeded');
    expect(tooBig.json().error.message).toContain('tokens per minute on your team');
  });

  it('holds a project\'s concurrency slot until the stream ends', async () => {
    const t = await tenant();
    await rateLimit('PROJECT', t.projectId, { conc: 1 });
    await publishTo();
    const stream = fetch(`${dp.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${t.secret}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'relay-mini', stream: true, messages: [{ role: 'user', content: 'slow mock:words=30 mock:delay=40' }] }),
    });
    const streaming = await stream;
    expect(streaming.status).toBe(200);
    const second = await chat(t);
    expect(second.status).toBe(429);
    expect(second.json().error.code).toBe('rate_limit_exceeded');
    expect(second.json().error.message).toContain('concurrent requests on your project');
    expect(second.headers.get('retry-after')).toBe('1');
    expect(await streaming.text()).toContain('data: [DONE]');
    const third = await chat(t);
    expect(third.status).toBe(200);
  });

  it('stops a key at its hard budget with insufficient_quota naming the budget and scope; an alert budget never stops', async () => {
    const hard = await tenant();
    const alert = await tenant();
    await budget(hard.keyId, 60, 'HARD', 'tight');
    await budget(alert.keyId, 1, 'ALERT', 'watch only');
    await publishTo();
    const statuses: number[] = [];
    let refusal: Answer | null = null;
    let spent = 0;
    for (let i = 0; i < 20 && refusal === null; i++) {
      const answer = await chat(hard, 'Hello there', { max_tokens: 20 });
      statuses.push(answer.status);
      if (answer.status === 200) spent += (await eventOf(dp, answer.headers.get('x-request-id')!)).cost_micros;
      else refusal = answer;
    }
    expect(refusal).not.toBeNull();
    expect(statuses.filter((s) => s === 200).length).toBeGreaterThanOrEqual(3);
    expect(spent).toBeLessThanOrEqual(60);
    expect(refusal!.status).toBe(429);
    expect(refusal!.json().error).toMatchObject({ code: 'insufficient_quota', type: 'insufficient_quota' });
    expect(refusal!.json().error.message).toBe(`The daily budget 'tight' of your API key '${hard.name}' does not cover this request. It resets at ${new Date((await keyInfo(hard)).budgets[0]!.resets_at!).toISOString()}.`);
    expect(Number(refusal!.headers.get('retry-after'))).toBeGreaterThan(0);
    const refusedEvent = await eventOf(dp, refusal!.headers.get('x-request-id')!);
    expect(refusedEvent).toMatchObject({ status_code: 429, error_code: 'insufficient_quota', cost_micros: 0 });
    for (let i = 0; i < 5; i++) expect((await chat(alert)).status).toBe(200);
  });

  it('releases reservations when the upstream fails and when the client goes away', async () => {
    const t = await tenant();
    await rateLimit('KEY', t.keyId, { tpm: 100_000, conc: 5 });
    await budget(t.keyId, 1_000_000);
    await publishTo();
    await withMinuteLeft(20_000);
    const before = await keyInfo(t);
    const failed = await chat(t, 'fail mock:fail=500', { max_tokens: 500 });
    expect(failed.status).toBeGreaterThanOrEqual(500);
    await eventOf(dp, failed.headers.get('x-request-id')!);
    const afterFailure = await keyInfo(t);
    const figure = (info: KeyInfo, kind: string) => info.rate_limits.find((l) => l.kind === kind)!.used!;
    expect(figure(afterFailure, 'tokens_per_minute')).toBe(figure(before, 'tokens_per_minute'));
    expect(figure(afterFailure, 'concurrent_requests')).toBe(0);
    expect(afterFailure.budgets[0]!.spent_micros).toBe(before.budgets[0]!.spent_micros);

    const requestId = await postAndHangUp(dp.url, t.secret, { model: 'relay-mini', stream: true, max_tokens: 5_000, messages: [{ role: 'user', content: 'long mock:words=2000 mock:delay=5' }] });
    const event = await eventOf(dp, requestId);
    expect(event.stream_end).toBe('client_abort');
    const afterAbort = await keyInfo(t);
    expect(figure(afterAbort, 'concurrent_requests')).toBe(0);
    // What was generated before the hang-up is charged; the rest of the 5 000-token reservation is back.
    expect(figure(afterAbort, 'tokens_per_minute') - figure(afterFailure, 'tokens_per_minute')).toBe(event.prompt_tokens + event.completion_tokens);
    expect(afterAbort.budgets[0]!.spent_micros! - afterFailure.budgets[0]!.spent_micros!).toBe(event.cost_micros);
  });

  it('cuts a stream that outruns its budget with a terminal insufficient_quota event, overrunning by at most one step', async () => {
    const t = await tenant();
    const amount = 40;
    await budget(t.keyId, amount, 'HARD', 'stream cap');
    await publishTo();
    const response = await fetch(`${dp.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${t.secret}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'relay-mini', stream: true, messages: [{ role: 'user', content: 'go mock:words=500' }] }),
    });
    expect(response.status).toBe(200);
    const text = await response.text();
    expect(text).not.toContain('[DONE]');
    const last = text.trim().split('\n\n').at(-1)!;
    const error = JSON.parse(last.slice('data: '.length)) as { error: { code: string; message: string } };
    expect(error.error.code).toBe('insufficient_quota');
    expect(error.error.message).toContain("'stream cap'");
    const event = await eventOf(dp, response.headers.get('x-request-id')!);
    expect(event).toMatchObject({ stream_end: 'error', error_code: 'insufficient_quota' });
    expect(event.completion_tokens).toBeLessThan(500);
    // One extension step (QUOTA_STREAM_STEP_TOKENS = 10) of output past the budget at most.
    expect(event.cost_micros).toBeLessThanOrEqual(amount + Math.ceil((10 * OUTPUT_PRICE) / 1_000_000));
  });

  it('shares one budget between two data planes without exceeding it', async () => {
    const second = await stack.startDataplane({ QUOTA_WAIT_MS: '2000' });
    try {
      const t = await tenant();
      const amount = 400;
      await budget(t.keyId, amount, 'HARD', 'shared');
      await publishTo(dp, second);
      // Waves of 10 concurrent requests, half on each instance, until the budget refuses.
      const answers: Answer[] = [];
      for (let wave = 0; wave < 20 && !answers.some((a) => a.status !== 200); wave++) {
        answers.push(...(await Promise.all(Array.from({ length: 10 }, (_, i) => chat(t, `Hello ${i}`, { max_tokens: 20 }, i % 2 === 0 ? dp : second)))));
      }
      const ok = answers.filter((a) => a.status === 200);
      const refused = answers.filter((a) => a.status !== 200);
      expect(refused.length).toBeGreaterThan(0);
      expect(refused.every((a) => a.status === 429 && a.json().error.code === 'insufficient_quota')).toBe(true);
      let spent = 0;
      const servedBy = new Set<StackDataplane>();
      for (const a of ok) {
        const requestId = a.headers.get('x-request-id')!;
        spent += (await eventOf([dp, second], requestId)).cost_micros;
        servedBy.add(dp.events.some((e) => e.request_id === requestId) ? dp : second);
      }
      expect(servedBy.size).toBe(2);
      // No outage, no streams: the bound is the budget itself.
      expect(spent).toBeLessThanOrEqual(amount);
      const prompt = await admissionPromptTokens([{ role: 'user', content: 'Hello 1' }]);
      const worstCase = Math.ceil((prompt * INPUT_PRICE + 20 * OUTPUT_PRICE) / 1_000_000);
      // Refused only near the end: what was left could not hold the worst cases of one wave in flight.
      expect(amount - spent).toBeLessThanOrEqual(10 * worstCase);
    } finally {
      await second.close();
    }
  });

  it('describes the key\'s limits, budgets and what is left on GET /v1/key, to the key only', async () => {
    const t = await tenant();
    await rateLimit('KEY', t.keyId, { rpm: 10, tpm: 5_000 });
    await budget(t.keyId, 1_000_000, 'HARD', 'info');
    await publishTo();
    await withMinuteLeft(20_000);
    const answer = await chat(t, 'Hello there', { max_tokens: 20 });
    const event = await eventOf(dp, answer.headers.get('x-request-id')!);
    const info = await keyInfo(t);
    expect(info).toMatchObject({ object: 'api_key', id: t.keyId, name: t.name, team_id: t.teamId, project_id: t.projectId, environment_id: t.environmentId, status: 'active', expires_at: null });
    const rpm = info.rate_limits.find((l) => l.kind === 'requests_per_minute')!;
    expect(rpm).toMatchObject({ scope: 'key', limit: 10, used: 1, remaining: 9 });
    expect(Date.parse(rpm.resets_at!) % 60_000).toBe(0);
    expect(info.budgets).toEqual([
      expect.objectContaining({ name: 'info', period: 'day', mode: 'hard', amount_micros: 1_000_000, spent_micros: event.cost_micros, remaining_micros: 1_000_000 - event.cost_micros }),
    ]);
    const anonymous = await fetch(`${dp.url}/v1/key`);
    expect(anonymous.status).toBe(401);
    expect(((await anonymous.json()) as { error: { code: string } }).error.code).toBe('unauthenticated');
  });

  it('admits in degraded mode when the control plane is unreachable: rate limits open at limit ÷ instances, budgets one lease more, then closed', async () => {
    const t = await tenant();
    const b = await tenant();
    await rateLimit('KEY', t.keyId, { rpm: 6 });
    await budget(b.keyId, 1_000, 'HARD', 'outage');
    await publishTo();
    await withMinuteLeft(30_000);
    expect((await chat(t)).status).toBe(200);
    expect((await chat(b, 'Hello there', { max_tokens: 20 })).status).toBe(200);
    await stack.stopControlplane();
    try {
      const rpmStatuses: number[] = [];
      for (let i = 0; i < 6; i++) rpmStatuses.push((await chat(t)).status);
      // 6 a minute on one instance: 5 more, then refused.
      expect(rpmStatuses).toEqual([200, 200, 200, 200, 200, 429]);
      const budgetStatuses: number[] = [];
      for (let i = 0; i < 200 && !budgetStatuses.includes(429); i++) budgetStatuses.push((await chat(b, 'Hello there', { max_tokens: 20 })).status);
      expect(budgetStatuses.at(-1)).toBe(429);
      const metrics = await dp.metrics();
      const degraded = (kind: string) => Number(new RegExp(`relay_quota_degraded_admissions_total\\{kind="${kind}"\\} (\\d+)`).exec(metrics)?.[1] ?? 0);
      expect(degraded('rpm')).toBeGreaterThan(0);
      expect(degraded('budget')).toBeGreaterThan(0);
      expect(Number(/relay_quota_renew_failures_total (\d+)/.exec(metrics)?.[1])).toBeGreaterThan(0);
      expect(Number(/relay_quota_renewals_total (\d+)/.exec(metrics)?.[1])).toBeGreaterThan(0);
    } finally {
      await stack.startControlplane();
    }
  });
});

interface KeyInfo {
  object: string;
  id: string;
  name: string;
  team_id: string;
  project_id: string;
  environment_id: string;
  status: string;
  expires_at: string | null;
  rate_limits: Array<{ scope: string; kind: string; limit: number; used: number | null; remaining: number | null; window_start: string | null; resets_at: string | null }>;
  budgets: Array<{ id: string; name: string; period: string; mode: string; amount_micros: number; spent_micros: number | null; remaining_micros: number | null; resets_at: string | null }>;
  balance: unknown;
}
