import type { Logger } from 'pino';
import { RelayError, isRelayError } from '@proxystacks/shared/errors/relay-error';
import { toOpenAIError } from '@proxystacks/shared/errors/openai-error';
import { authenticate } from '../auth/authenticate.ts';
import type { EventQueue } from '../events/event-queue.ts';
import type { BodyBudget, BodyLease } from '../http/body-budget.ts';
import type { Exchange } from '../http/exchange.ts';
import { buildRequestEvent, newRequestRecord, type RequestRecord } from '../metering/request-record.ts';
import type { DataplaneMetrics } from '../metrics/dataplane-metrics.ts';
import type { Admission, QuotaTicket } from '../quota/admission.ts';
import { admissionPlan, type AdmissionPlan } from '../quota/admission-plan.ts';
import type { CompiledSnapshot } from '../snapshot/compiled-snapshot.ts';
import type { SnapshotStore } from '../snapshot/snapshot-store.ts';

/** What every metered route needs around its own work. */
export interface MeteredRequestDeps {
  snapshots: SnapshotStore;
  events: EventQueue;
  metrics: DataplaneMetrics;
  admission: Admission;
  keySecret: string;
  bodyBudget: BodyBudget;
  dataplaneId: string;
  logger: Pick<Logger, 'error' | 'warn' | 'debug'>;
}

/** One authenticated request in flight, handed to the route's own work. */
export interface MeteredRequest {
  snapshot: CompiledSnapshot;
  record: RequestRecord;
  /** The request body's share of MAX_BUFFERED_BODY_BYTES; release it once the upstream has the bytes. */
  bodyLease: BodyLease;
  /** The key's rate limits, budgets and balance. */
  plan: AdmissionPlan;
  /** The request's quota reservations: settled with the event's final figures, on every path. */
  quota: { ticket: QuotaTicket | null };
}

/**
 * Reserves on the key's counters with `reserve` (all or nothing) when it has any, before the
 * first upstream attempt; the rate-limit headers then show what is left after it, refused or not.
 * Null, with nothing to await, for a key without counters (most keys: no promise, no microtask turn).
 */
export function admitBeforeForwarding(ex: Exchange, admission: Admission, request: Pick<MeteredRequest, 'plan' | 'quota'>, reserve: () => Promise<QuotaTicket | null>): Promise<void> | null {
  const { plan } = request;
  return plan.counters.length === 0 && !plan.noFunds ? null : reserveOnCounters(ex, admission, request, reserve);
}

async function reserveOnCounters(ex: Exchange, admission: Admission, { plan, quota }: Pick<MeteredRequest, 'plan' | 'quota'>, reserve: () => Promise<QuotaTicket | null>): Promise<void> {
  try {
    quota.ticket = await reserve();
  } finally {
    if (plan.hasRateLimits) ex.extraHeaders = admission.headers(plan);
  }
}

/**
 * The lifecycle every billable route shares (chat completions, embeddings): snapshot → record →
 * authenticate (before the body is read, so an unauthenticated client cannot make us buffer
 * megabytes) → rate-limit headers → the route's `work` → exactly one event, whatever happens.
 * The event is recorded just before the answer's final bytes go out (so it is in the event log
 * before the client can see a complete answer), or at the end for a request that never got
 * them (client gone); its figures settle the quota reservations.
 */
export async function serveMeteredRequest(ex: Exchange, deps: MeteredRequestDeps, work: (request: MeteredRequest) => Promise<void>): Promise<void> {
  const snapshot = deps.snapshots.current();
  const record = newRequestRecord(ex.requestId, ex.arrivedAt, snapshot?.version ?? 0);
  const bodyLease = deps.bodyBudget.lease();
  const quota: MeteredRequest['quota'] = { ticket: null };
  let recorded = false;
  const recordEvent = () => {
    if (recorded) return;
    recorded = true;
    record.latencyMs = ex.latencyMs();
    if (record.statusCode === 0) record.statusCode = ex.aborted ? 499 : 500;
    const event = buildRequestEvent(record, deps.dataplaneId);
    quota.ticket?.settle(event.prompt_tokens + event.completion_tokens, event.cost_micros);
    deps.events.push(event);
    deps.metrics.observe(event, record.deployment !== null);
    ex.trace?.recordOutcome(event);
    // The event keeps the count and the last attempt; the whole path goes to the log when one failed.
    if (record.attemptLog.some((a) => a.errorCode !== '')) deps.logger.warn({ requestId: record.requestId, attempts: record.attemptLog }, 'upstream attempts failed');
  };
  ex.beforeFinalBytes(recordEvent, deps.events.whenLogged);
  try {
    if (snapshot === null) throw new RelayError('not_ready', 'The gateway has not received its configuration yet. Retry shortly.');
    record.key = authenticate(ex.authorization, snapshot, deps.keySecret, record);
    const plan = admissionPlan(snapshot, record.key);
    if (plan.hasRateLimits) ex.extraHeadersIfUnset = () => deps.admission.headers(plan);
    await work({ snapshot, record, bodyLease, plan, quota });
  } catch (err) {
    fail(ex, record, err, deps.logger);
  } finally {
    bodyLease.release();
    recordEvent();
  }
}

/**
 * Answers a failure the way the client can still receive it: an error body in the request's wire
 * (Exchange.errorWire), or inside the stream when the headers already went out. Records status and codes on the event.
 */
export function fail(ex: Exchange, record: RequestRecord, err: unknown, logger: Pick<Logger, 'error'>): void {
  if (!isRelayError(err)) logger.error({ requestId: ex.requestId, err }, 'unexpected error while serving a request');
  const { body } = toOpenAIError(err, ex.requestId);
  // The status the client is sent, in its wire (Anthropic's 529 for our 503).
  record.statusCode = ex.aborted ? 499 : ex.errorWire.answer(err, ex.requestId).status;
  record.errorCode = body.error.code as RequestRecord['errorCode'];
  if (isRelayError(err) && err.upstreamErrorCode !== undefined) record.upstreamErrorCode = err.upstreamErrorCode;
  if (record.streamed && ex.headersSent) {
    // Headers already went out: the failure can only be told inside the stream.
    record.streamEnd = 'error';
    ex.endWith(ex.errorWire.streamEvent(err, ex.requestId));
    return;
  }
  if (record.streamed) record.streamEnd = ex.aborted ? 'client_abort' : 'error';
  ex.sendError(err);
}
