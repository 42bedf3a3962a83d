import { MAX_EVENT_ATTEMPTS, type EventAttempt } from '@proxystacks/shared/events/event-attempts';
import { EVENT_VERSION, type RequestEvent, type StreamEnd, type UsageSource } from '@proxystacks/shared/events/request-event';
import { formatEventTime } from '@proxystacks/shared/events/request-events-ddl';
import type { TokenUsage } from '@proxystacks/shared/pricing/price-request';
import type { ErrorCode } from '@proxystacks/shared/errors/error-codes';
import type { PresentedKeyTrace } from '../auth/authenticate.ts';
import type { CompiledDeployment, CompiledKey } from '../snapshot/compiled-snapshot.ts';
import { costSavedMicros, requestCostMicros } from './request-cost.ts';

/**
 * What the data plane learns about one request while serving it, filled in step by step and
 * turned into exactly one event at the end (success, refusal or failure alike).
 */
export interface RequestRecord extends PresentedKeyTrace {
  requestId: string;
  arrivedAt: number;
  /** The key the request presented: set also when it was refused (revoked, disabled, expired), so its event names it. */
  key: CompiledKey | null;
  alias: string;
  /** The deployment of the last attempt; null when no upstream was tried. */
  deployment: CompiledDeployment | null;
  attempts: number;
  /**
   * Every upstream attempt in order (routing/run-attempts.ts): the event's `attempt_log` (capped,
   * see eventAttempts); the whole list also goes to the log when an attempt failed.
   */
  attemptLog: UpstreamAttempt[];
  /**
   * The attempt under way, until run-attempts.ts logs it. The event is built as the final bytes
   * go out, before a successful attempt returns to the loop: the event adds this one itself.
   */
  pendingAttempt: { readonly deployment: CompiledDeployment; readonly startedAtMs: number } | null;
  statusCode: number;
  errorCode: ErrorCode | '';
  upstreamErrorCode: string;
  usage: TokenUsage | null;
  usageSource: UsageSource;
  streamed: boolean;
  streamEnd: StreamEnd;
  finishReason: string;
  ttftMs: number | null;
  latencyMs: number;
  snapshotVersion: number;
  /** The deployment the routing strategy put first for this request: what a cheaper fallback is compared with. */
  primaryDeployment: CompiledDeployment | null;
  /** '' when the response cache does not apply to the request; else whether it answered. */
  cacheStatus: '' | 'hit' | 'miss';
  /** On a cache hit: what the cached answer cost when it was made (the event's cost_saved_micros). */
  cacheSavedMicros: number;
  /** Monotonic time the first upstream attempt began; null when none did (x-relay-overhead-ms). */
  upstreamStartedAt: number | null;
  /** Monotonic time the answering upstream's last bytes before the client's headers arrived. */
  upstreamDoneAt: number | null;
}

/** One upstream attempt of a request: where it went, what came back, how long it took. */
export interface UpstreamAttempt {
  readonly deploymentId: string;
  readonly providerId: string;
  readonly upstreamModel: string;
  /** The upstream's HTTP status; 0 when it never answered (refused, timed out). */
  readonly status: number;
  readonly latencyMs: number;
  /** '' when the attempt answered. */
  readonly errorCode: ErrorCode | '';
}

export function newRequestRecord(requestId: string, arrivedAt: number, snapshotVersion: number): RequestRecord {
  return {
    requestId,
    arrivedAt,
    key: null,
    keyPrefix: '',
    keyHashId: '',
    alias: '',
    deployment: null,
    attempts: 0,
    attemptLog: [],
    pendingAttempt: null,
    statusCode: 0,
    errorCode: '',
    upstreamErrorCode: '',
    usage: null,
    usageSource: 'none',
    streamed: false,
    streamEnd: '',
    finishReason: '',
    ttftMs: null,
    latencyMs: 0,
    snapshotVersion,
    primaryDeployment: null,
    cacheStatus: '',
    cacheSavedMicros: 0,
    upstreamStartedAt: null,
    upstreamDoneAt: null,
  };
}

/**
 * Notes, just before the first upstream attempt, the plan's first choice (what a cheaper fallback
 * is compared with: costSavedMicros) and when upstream time began (x-relay-overhead-ms).
 */
export function startUpstream(record: RequestRecord, planned: readonly CompiledDeployment[]): void {
  record.primaryDeployment = planned[0] ?? null;
  record.upstreamStartedAt = performance.now();
}

/**
 * The event for a finished request. Cost comes from requestCostMicros, the same function the
 * x-relay-cost-micros header and `usage.cost` use, from the pricing rule of the deployment that answered; the rule's id and version go into the event so every charge can
 * be traced to the price that made it.
 */
export function buildRequestEvent(record: RequestRecord, dataplaneId: string): RequestEvent {
  const usage = record.usage ?? { promptTokens: 0, completionTokens: 0, cachedTokens: 0, cacheWriteTokens: 0 };
  const pricing = record.deployment?.pricing ?? null;
  return {
    event_version: EVENT_VERSION,
    request_id: record.requestId,
    ts: formatEventTime(record.arrivedAt),
    org_id: record.key?.orgId ?? '',
    project_id: record.key?.projectId ?? '',
    team_id: record.key?.teamId ?? '',
    key_id: record.key?.id ?? '',
    alias: record.alias.slice(0, 256),
    provider_id: record.deployment?.provider.id ?? '',
    provider_type: record.deployment?.provider.type ?? '',
    upstream_model: (record.deployment?.upstreamModel ?? '').slice(0, 512),
    status_code: record.statusCode,
    error_code: record.errorCode,
    upstream_error_code: record.upstreamErrorCode.slice(0, 100),
    attempts: record.attempts,
    prompt_tokens: usage.promptTokens,
    completion_tokens: usage.completionTokens,
    cached_tokens: usage.cachedTokens,
    usage_source: record.usageSource,
    cost_micros: requestCostMicros(record),
    pricing_rule_id: pricing === null || record.usage === null ? '' : pricing.id,
    pricing_rule_version: pricing === null || record.usage === null ? 0 : pricing.version,
    snapshot_version: record.snapshotVersion,
    latency_ms: record.latencyMs,
    ttft_ms: record.ttftMs,
    streamed: record.streamed,
    stream_end: record.streamEnd,
    // Provider-supplied: cut to the column's limit, so an odd upstream cannot make the event invalid.
    finish_reason: record.finishReason.slice(0, 64),
    dataplane_id: dataplaneId.slice(0, 256),
    environment_id: record.key?.environmentId ?? '',
    environment: record.key?.environment ?? '',
    // What was presented, also for refused and unknown keys; never the secret (authenticate.ts).
    key_prefix: record.keyPrefix.slice(0, 64),
    key_hash_id: record.keyHashId,
    cost_saved_micros: costSavedMicros(record),
    cache_hit: record.cacheStatus === 'hit',
    attempt_log: eventAttempts(record.pendingAttempt === null ? record.attemptLog : [...record.attemptLog, pendingAttemptOutcome(record)]),
    cache_write_tokens: usage.cacheWriteTokens,
  };
}

/**
 * The attempt still under way when the request ended, as the loop would log it: when the client
 * got a success status the attempt answered (200, as run-attempts logs an answered attempt; a
 * stream it broke after content carries the error); otherwise it never answered (status 0: the
 * client left first, 499, or the gateway failed) and carries the request's error code. Its
 * latency runs to the request's last byte.
 */
function pendingAttemptOutcome(record: RequestRecord): UpstreamAttempt {
  const { deployment, startedAtMs } = record.pendingAttempt!;
  const answered = record.statusCode >= 200 && record.statusCode < 400;
  return {
    deploymentId: deployment.id,
    providerId: deployment.provider.id,
    upstreamModel: deployment.upstreamModel,
    status: answered ? 200 : 0,
    latencyMs: Math.max(0, record.arrivedAt + record.latencyMs - startedAtMs),
    errorCode: !answered || record.streamEnd === 'error' ? record.errorCode : '',
  };
}

/**
 * The event's `attempt_log`: every attempt in order, or, past MAX_EVENT_ATTEMPTS, the first 15
 * and the last (the one whose outcome the client got); `attempts` keeps the full count.
 */
export function eventAttempts(log: readonly UpstreamAttempt[]): EventAttempt[] {
  const kept = log.length <= MAX_EVENT_ATTEMPTS ? log : [...log.slice(0, MAX_EVENT_ATTEMPTS - 1), log.at(-1)!];
  return kept.map((attempt) => ({
    deployment_id: attempt.deploymentId.slice(0, 128),
    provider_id: attempt.providerId.slice(0, 128),
    upstream_model: attempt.upstreamModel.slice(0, 512),
    status: attempt.status,
    latency_ms: Math.max(0, Math.round(attempt.latencyMs)),
    error_code: attempt.errorCode,
  }));
}
