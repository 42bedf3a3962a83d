import { setTimeout as sleep } from 'node:timers/promises';
import { RelayError, isRelayError, type AttemptError } from '@proxystacks/shared/errors/relay-error';
import type { ErrorCode } from '@proxystacks/shared/errors/error-codes';
import type { Exchange } from '../http/exchange.ts';
import type { RequestRecord } from '../metering/request-record.ts';
import type { CompiledDeployment } from '../snapshot/compiled-snapshot.ts';
import { AttemptAbort, type AbortSignalLike } from './attempt-abort.ts';
import { AttemptTimer, upstreamTimedOut } from './attempt-timer.ts';
import { fallbackExhausted } from './fallback-exhausted.ts';
import type { UpstreamResilience } from './upstream-resilience.ts';

/** What one attempt gets from the loop. */
export interface AttemptContext {
  /** Aborted when the client goes away or one of the attempt's deadlines passes. */
  readonly signal: AbortSignalLike;
  /** Whether to queue for a busy origin: only the last attempt does; before it, the next one is tried. */
  readonly waitForSlot: boolean;
  /** Response headers within this (the first-token limit), for the adapter call. */
  readonly headersTimeoutMs: number;
  /** The `traceparent` header naming this attempt's span, for the upstream request; null when tracing is off. */
  readonly traceparent: string | null;
  /** The first token reached the gateway (streams: first content event; JSON: the answer). */
  firstToken(): void;
}

/**
 * One try at one deployment: resolves once the client has its answer (a stream that broke
 * after content went out included: relaySse ended it with a terminal error event); throws a
 * RelayError while nothing reached the client, so the loop may go on.
 */
export type Attempt = (deployment: CompiledDeployment, context: AttemptContext) => Promise<void>;

/**
 * Failures that count against a deployment's breaker: it did not answer, answered 5xx, is rate
 * limiting, refuses our credentials, or broke its stream. A 4xx about the request, the gateway's
 * own per-origin limit, or an oversized answer say nothing about the deployment's health.
 */
const BREAKER_FAILURES: ReadonlySet<ErrorCode> = new Set<ErrorCode>(['upstream_error', 'upstream_timeout', 'upstream_rate_limited', 'upstream_auth_failed', 'upstream_stream_interrupted', 'upstream_address_refused']);

/**
 * The fallback loop every routed request shares (chat-like APIs and embeddings), over
 * `deployments` already in the strategy's order:
 * - a deployment whose breaker is open is skipped at once; when every one is, the request fails
 *   fast with `upstream_unavailable` and a `retry-after` until the first may be probed;
 * - after a failure the next deployment is tried first; a second go at one already tried
 *   (UPSTREAM_MAX_RETRIES) waits a full-jitter backoff, or a short `retry-after` of its 429;
 * - every attempt after the first takes a token from the retry budget; with none left the
 *   request stops with the failure it has, so an outage cannot become a retry storm;
 * - each attempt runs under its first-token and total deadlines (AttemptTimer) and is recorded
 *   on the breaker, the record (attempt count, last deployment) and in `record.attemptLog`.
 * Returns when the client has its answer or is gone; throws the final RelayError otherwise.
 */
export async function runAttempts(ex: Exchange, resilience: UpstreamResilience, record: RequestRecord, deployments: readonly CompiledDeployment[], attempt: Attempt): Promise<void> {
  const { health, budget, attempts: settings, now } = resilience;
  let current: AttemptAbort | null = null;
  ex.onAbort(() => current?.abort());
  // Made on the first failure or skip, not per request: most requests need none of them (a Map
  // alone was ~0.4 KB of garbage per request, issue 11).
  let failures: AttemptError[] | null = null;
  let lastError: RelayError | null = null;
  let skipped: CompiledDeployment[] | null = null;
  /** Deployments that may be tried again, with the wait their last failure asked for. */
  let again: Map<CompiledDeployment, number> | null = null;
  const lastIndex = deployments.length - 1 + settings.maxRetries;
  let made = 0;
  for (let i = 0; i <= lastIndex && !ex.aborted; i++) {
    const repeat = i >= deployments.length;
    const deployment = repeat ? nextRepeat(deployments, again, i) : deployments[i]!;
    if (deployment === null) break;
    const admission = health.admit(deployment, now());
    if (admission === 'skip') {
      (skipped ??= []).push(deployment);
      continue;
    }
    if (made > 0 && !budget.tryWithdraw(now())) {
      if (admission === 'probe') health.released(deployment);
      break;
    }
    if (made === 0) budget.deposit();
    if (repeat) {
      const retryAfterMs = again?.get(deployment) ?? 0;
      const backoffMs = resilience.random() * Math.min(settings.backoffMaxMs, settings.backoffBaseMs * 2 ** (i - deployments.length));
      await sleep(Math.max(retryAfterMs, backoffMs));
      if (ex.aborted) {
        if (admission === 'probe') health.released(deployment);
        break;
      }
    }
    made++;
    record.deployment = deployment;
    record.attempts++;
    const controller = new AttemptAbort();
    current = controller;
    const startedAtMs = now();
    const timer = new AttemptTimer(controller, settings.firstTokenTimeoutMs, settings.totalTimeoutMs, now);
    const span = ex.trace === null ? null : ex.trace.startAttempt(deployment, made - 1);
    const context: AttemptContext = { signal: controller, waitForSlot: i === lastIndex, headersTimeoutMs: settings.firstTokenTimeoutMs, traceparent: span === null ? null : span.traceparent, firstToken: () => timer.firstToken() };
    let failure: unknown = null;
    record.pendingAttempt = { deployment, startedAtMs };
    try {
      await attempt(deployment, context);
    } catch (err) {
      failure = err;
    } finally {
      timer.stop();
      current = null;
    }
    const endedAtMs = now();
    if (failure === null) {
      // Answered. A stream that broke after its first content still went to the client (with a
      // terminal error event), but it is the deployment's failure all the same.
      const brokenStream = record.streamEnd === 'error' && record.errorCode !== '' && BREAKER_FAILURES.has(record.errorCode);
      const code = timer.phase === null ? record.errorCode : 'upstream_timeout';
      logAttempt(record, deployment, brokenStream ? code : '', 200, endedAtMs - startedAtMs);
      span?.end(200, brokenStream ? code : '');
      if (record.streamEnd === 'client_abort') health.released(deployment);
      else if (brokenStream || timer.phase !== null) health.failed(deployment, endedAtMs, code);
      else health.succeeded(deployment, endedAtMs, endedAtMs - startedAtMs, timer.firstTokenAtMs === null || !record.streamed ? null : timer.firstTokenAtMs - startedAtMs);
      return;
    }
    if (ex.aborted) {
      health.released(deployment);
      span?.end(0, 'client_abort');
      break;
    }
    // A deadline of ours tore the call down: whatever it threw, the attempt timed out.
    const err = timer.phase !== null ? upstreamTimedOut(deployment, timer.phase, timer.limitMs()) : failure;
    if (!isRelayError(err)) {
      health.released(deployment);
      span?.end(0, 'internal_error');
      throw err;
    }
    logAttempt(record, deployment, err.code, err.attempts[0]?.upstreamStatus ?? 0, endedAtMs - startedAtMs);
    span?.end(err.attempts[0]?.upstreamStatus ?? 0, err.code);
    if (BREAKER_FAILURES.has(err.code)) health.failed(deployment, endedAtMs, err.code);
    else if (err.code === 'upstream_overloaded') health.released(deployment);
    else health.succeeded(deployment, endedAtMs, null);
    (failures ??= []).push(...err.attempts);
    lastError = err;
    if (!err.fallsBack) break;
    const retryAfterMs = (err.retryAfterSeconds ?? 0) * 1000;
    if (err.retryable && retryAfterMs <= settings.retryAfterMaxMs) (again ??= new Map()).set(deployment, retryAfterMs);
    else again?.delete(deployment);
  }
  if (ex.aborted) return;
  if (made === 0 && skipped !== null) throw allUnavailable(resilience, skipped);
  throw fallbackExhausted(lastError, failures ?? []);
}

/** The next deployment for a repeat round, in plan order among those worth a second go; null when none is. */
function nextRepeat(deployments: readonly CompiledDeployment[], again: ReadonlyMap<CompiledDeployment, number> | null, i: number): CompiledDeployment | null {
  if (again === null || again.size === 0) return null;
  const eligible = deployments.filter((d) => again.has(d));
  return eligible[(i - deployments.length) % eligible.length]!;
}

/** Every deployment's breaker is open: fail fast, with the wait until the first lets a probe through. */
function allUnavailable(resilience: UpstreamResilience, skipped: readonly CompiledDeployment[]): RelayError {
  const waitMs = resilience.health.reopensAtMs(skipped) - resilience.now();
  const retryAfterSeconds = Number.isFinite(waitMs) ? Math.max(1, Math.ceil(waitMs / 1000)) : 1;
  return new RelayError('upstream_unavailable', 'Every provider of this model is failing right now and is being given time to recover. Retry shortly.', {
    attempts: [],
    retryAfterSeconds,
  });
}

function logAttempt(record: RequestRecord, deployment: CompiledDeployment, code: ErrorCode | '', status: number, latencyMs: number): void {
  record.pendingAttempt = null;
  record.attemptLog.push({ deploymentId: deployment.id, providerId: deployment.provider.id, upstreamModel: deployment.upstreamModel, status, latencyMs, errorCode: code });
}
