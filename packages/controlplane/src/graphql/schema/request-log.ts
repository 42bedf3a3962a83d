import type { EventAttempt } from '@proxystacks/shared/events/event-attempts';
import type { RequestEvent } from '@proxystacks/shared/events/request-event';
import type { PrismaClient } from '../../generated/prisma/client.ts';
import { checkRequestLimit, decodeRequestCursor, findRequest, listRequests } from '../../analytics/request-log-query.ts';
import { loadScopeLabels, type ScopeLabels } from '../../domain/scope-labels.ts';
import { analyticsAuthScopes, eventScopeOf } from '../analytics-scope.ts';
import { builder } from '../builder.ts';
import { analyticsFilterArgs, analyticsFiltersOf } from './analytics-args.ts';

/** One request as the request log shows it; the event's empty strings are nulls here. */
export interface RequestLogEntryShape {
  requestId: string;
  ts: string;
  keyId: string | null;
  keyName: string | null;
  keyPrefix: string | null;
  keyHashId: string | null;
  teamId: string | null;
  teamName: string | null;
  projectId: string | null;
  projectName: string | null;
  environmentId: string | null;
  environment: string | null;
  model: string;
  providerId: string | null;
  providerType: string | null;
  upstreamModel: string | null;
  statusCode: number;
  errorCode: string | null;
  upstreamErrorCode: string | null;
  attempts: number;
  promptTokens: number;
  completionTokens: number;
  cachedTokens: number;
  cacheWriteTokens: number;
  usageSource: string;
  costMicros: number;
  pricingRuleId: string | null;
  pricingRuleVersion: number | null;
  snapshotVersion: number;
  latencyMs: number;
  ttftMs: number | null;
  streamed: boolean;
  streamEnd: string | null;
  finishReason: string | null;
  attemptLog: RequestAttemptShape[];
  cacheHit: boolean;
  costSavedMicros: number;
}

/** One upstream attempt of a request, with its provider's name. */
export interface RequestAttemptShape {
  number: number;
  deploymentId: string;
  providerId: string;
  providerName: string | null;
  upstreamModel: string;
  upstreamStatus: number | null;
  latencyMs: number;
  errorCode: string | null;
}

/** An upstream attempt (the request log's `attemptLog`). */
export const RequestAttemptRef = builder.objectRef<RequestAttemptShape>('RequestAttempt').implement({
  description:
    'One upstream attempt of a request: the deployment tried (its provider and the model sent upstream; a deployment has no name of its own) and what came of it.',
  fields: (t) => ({
    number: t.exposeInt('number', { description: '1 for the first attempt, in the order the data plane made them.' }),
    deploymentId: t.exposeID('deploymentId', { description: "The route tried (`ModelRoute.id`, as `deploymentHealth`'s `deploymentId`)." }),
    providerId: t.exposeID('providerId'),
    providerName: t.exposeString('providerName', { nullable: true, description: 'Null when the provider no longer exists.' }),
    upstreamModel: t.exposeString('upstreamModel', { description: 'Model name sent to the provider.' }),
    upstreamStatus: t.exposeInt('upstreamStatus', {
      nullable: true,
      description: "The provider's HTTP status (200 for an attempt that answered); null when it never answered (refused connection, timeout).",
    }),
    latencyMs: t.expose('latencyMs', { type: 'Count', description: 'Start of the attempt to its end.' }),
    errorCode: t.exposeString('errorCode', { nullable: true, description: 'Relay error code of the attempt (`upstream_error`, `upstream_timeout`, …); null when it answered.' }),
  }),
});

/** The request log entry type (requests, request, requestTail). */
export const RequestLogEntryRef = builder.objectRef<RequestLogEntryShape>('RequestLogEntry').implement({
  description: 'One request through the data plane, as its event in ClickHouse recorded it.',
  fields: (t) => ({
    requestId: t.exposeID('requestId', { description: 'The `x-request-id` the client received.' }),
    ts: t.expose('ts', { type: 'DateTime', description: 'When the request arrived.' }),
    keyId: t.exposeID('keyId', { nullable: true, description: 'Null when the request was refused before authentication.' }),
    keyName: t.exposeString('keyName', { nullable: true, description: 'Null when the key is unknown (or deleted).' }),
    keyPrefix: t.exposeString('keyPrefix', {
      nullable: true,
      description: 'Displayable start of the key presented, also for a refused one; null when none was sent.',
    }),
    keyHashId: t.exposeString('keyHashId', {
      nullable: true,
      description: "First 16 hex digits of the presented key's HMAC: traces one unknown key across requests without storing it.",
    }),
    teamId: t.exposeID('teamId', { nullable: true }),
    teamName: t.exposeString('teamName', { nullable: true }),
    projectId: t.exposeID('projectId', { nullable: true }),
    projectName: t.exposeString('projectName', { nullable: true }),
    environmentId: t.exposeID('environmentId', { nullable: true, description: 'Project environment of the key.' }),
    environment: t.exposeString('environment', { nullable: true, description: 'Its name (`production`, `staging`, …).' }),
    model: t.exposeString('model', { description: 'Model alias the client asked for.' }),
    providerId: t.exposeID('providerId', { nullable: true, description: 'Provider of the final attempt.' }),
    providerType: t.exposeString('providerType', { nullable: true }),
    upstreamModel: t.exposeString('upstreamModel', { nullable: true, description: 'Model name sent to the provider.' }),
    statusCode: t.exposeInt('statusCode', { description: 'HTTP status sent to the client.' }),
    errorCode: t.exposeString('errorCode', { nullable: true, description: 'Relay error code (`model_not_found`, …); null on success.' }),
    upstreamErrorCode: t.exposeString('upstreamErrorCode', { nullable: true, description: "The provider's own error code." }),
    attempts: t.exposeInt('attempts', { description: 'Upstream attempts made (fallbacks + 1).' }),
    promptTokens: t.expose('promptTokens', { type: 'Count' }),
    completionTokens: t.expose('completionTokens', { type: 'Count' }),
    cachedTokens: t.expose('cachedTokens', { type: 'Count', description: 'Prompt tokens served from cache.' }),
    cacheWriteTokens: t.expose('cacheWriteTokens', {
      type: 'Count',
      description: "Prompt tokens written to the provider's prompt cache (Anthropic), priced at the rule's cache-write price; 0 for requests recorded before this field.",
    }),
    usageSource: t.exposeString('usageSource', { description: '`provider`, `estimate` or `none`.' }),
    costMicros: t.expose('costMicros', { type: 'Micros' }),
    pricingRuleId: t.exposeID('pricingRuleId', { nullable: true, description: 'Rule that priced the request; null if unpriced.' }),
    pricingRuleVersion: t.expose('pricingRuleVersion', { type: 'Count', nullable: true }),
    snapshotVersion: t.expose('snapshotVersion', { type: 'Count', description: 'Config snapshot the data plane decided with.' }),
    latencyMs: t.expose('latencyMs', { type: 'Count', description: 'Arrival to last byte sent.' }),
    ttftMs: t.expose('ttftMs', { type: 'Count', nullable: true, description: 'Arrival to first content token; null if none.' }),
    streamed: t.exposeBoolean('streamed'),
    streamEnd: t.exposeString('streamEnd', { nullable: true, description: '`done`, `error` or `client_abort`; null when not streamed.' }),
    finishReason: t.exposeString('finishReason', { nullable: true }),
    attemptLog: t.field({
      type: [RequestAttemptRef],
      description:
        'Every upstream attempt, in order (at most 16: past that the first 15 and the last; `attempts` counts them all). Empty when no upstream was tried, and for requests recorded by data planes older than this field.',
      resolve: (entry) => entry.attemptLog,
    }),
    cacheHit: t.exposeBoolean('cacheHit', { description: 'Answered from the response cache (cost 0).' }),
    costSavedMicros: t.expose('costSavedMicros', {
      type: 'Micros',
      description: 'A cache hit: what the cached answer cost; a fallback to a cheaper route: the primary route’s price minus the actual.',
    }),
  }),
});

/** A page of the request log; also the answer of `refusedRequests`. */
export const RequestLogPageRef = builder.objectRef<{ entries: RequestLogEntryShape[]; nextCursor: string | null }>('RequestLogPage').implement({
  description: 'A page of requests, newest first.',
  fields: (t) => ({
    entries: t.field({ type: [RequestLogEntryRef], resolve: (page) => page.entries }),
    nextCursor: t.exposeString('nextCursor', {
      nullable: true,
      description: 'Pass as `after` for the next page; null on the last page.',
    }),
  }),
});

builder.queryFields((t) => ({
  request: t.field({
    authScopes: { anyTeam: 'requests:read' },
    type: RequestLogEntryRef,
    nullable: true,
    description: 'One request of your organization by its `x-request-id`; null when there is none or it belongs to a team you may not see.',
    args: { id: t.arg.id({ required: true }) },
    resolve: async (_root, { id }, ctx) => {
      const orgId = ctx.principal.orgId;
      const scope = eventScopeOf(ctx, 'requests:read', {});
      const event = await findRequest(ctx.deps.clickhouse, { orgId, scope, requestId: String(id) });
      if (event === null) return null;
      return toEntry(event, await labelsOf(ctx.prisma, orgId, [event]));
    },
  }),
  requests: t.field({
    authScopes: analyticsAuthScopes('requests:read'),
    type: RequestLogPageRef,
    description:
      'Requests over [from, to), newest first, from ClickHouse: of the teams you may see, narrowed by the arguments (every analytics dimension). Naming a key, team, project or environment your role does not cover is `forbidden`.',
    args: {
      from: t.arg({ type: 'DateTime', required: true }),
      to: t.arg({ type: 'DateTime', required: true }),
      ...analyticsFilterArgs(t.arg),
      first: t.arg.int({ description: 'Page size, 1–200 (default 50).' }),
      after: t.arg.string({ description: '`nextCursor` of the previous page.' }),
    },
    resolve: async (_root, args, ctx) => {
      // Checked here too so an error names the GraphQL argument, not the query's parameter.
      const limit = checkRequestLimit(args.first, 'first');
      if (args.after !== null && args.after !== undefined) decodeRequestCursor(args.after, 'after');
      const orgId = ctx.principal.orgId;
      const page = await listRequests(ctx.deps.clickhouse, {
        orgId,
        scope: eventScopeOf(ctx, 'requests:read', args),
        from: args.from,
        to: args.to,
        ...analyticsFiltersOf(args),
        limit,
        before: args.after ?? null,
      });
      const labels = await labelsOf(ctx.prisma, orgId, page.events);
      return { entries: page.events.map((event) => toEntry(event, labels)), nextCursor: page.nextCursor };
    },
  }),
}));

/** Key, team and project names of a page of events, in one Postgres round trip. */
export function labelsOf(prisma: PrismaClient, orgId: string, events: readonly RequestEvent[]): Promise<ScopeLabels> {
  return loadScopeLabels(prisma, orgId, {
    keyIds: events.map((event) => event.key_id),
    teamIds: events.map((event) => event.team_id),
    projectIds: events.map((event) => event.project_id),
    providerIds: events.flatMap((event) => event.attempt_log.map((attempt) => attempt.provider_id)),
  });
}

/** A request log entry for `event`, with the names `labels` found (none for unattributed events). */
export function toEntry(event: RequestEvent, labels: ScopeLabels): RequestLogEntryShape {
  const key = labels.keys.get(event.key_id);
  const priced = event.pricing_rule_id !== '';
  return {
    requestId: event.request_id,
    // ClickHouse's `YYYY-MM-DD hh:mm:ss.sss` in UTC, as ISO-8601.
    ts: `${event.ts.replace(' ', 'T')}Z`,
    keyId: orNull(event.key_id),
    keyName: key?.name ?? null,
    // The event's own prefix also names refused keys; older events have only the key's.
    keyPrefix: orNull(event.key_prefix) ?? key?.prefix ?? null,
    keyHashId: orNull(event.key_hash_id),
    teamId: orNull(event.team_id),
    teamName: labels.teams.get(event.team_id) ?? null,
    projectId: orNull(event.project_id),
    projectName: labels.projects.get(event.project_id) ?? null,
    environmentId: orNull(event.environment_id),
    environment: orNull(event.environment),
    model: event.alias,
    providerId: orNull(event.provider_id),
    providerType: orNull(event.provider_type),
    upstreamModel: orNull(event.upstream_model),
    statusCode: event.status_code,
    errorCode: orNull(event.error_code),
    upstreamErrorCode: orNull(event.upstream_error_code),
    attempts: event.attempts,
    promptTokens: event.prompt_tokens,
    completionTokens: event.completion_tokens,
    cachedTokens: event.cached_tokens,
    cacheWriteTokens: event.cache_write_tokens,
    usageSource: event.usage_source,
    costMicros: event.cost_micros,
    pricingRuleId: priced ? event.pricing_rule_id : null,
    pricingRuleVersion: priced ? event.pricing_rule_version : null,
    snapshotVersion: event.snapshot_version,
    latencyMs: event.latency_ms,
    ttftMs: event.ttft_ms,
    streamed: event.streamed,
    streamEnd: orNull(event.stream_end),
    finishReason: orNull(event.finish_reason),
    cacheHit: event.cache_hit,
    costSavedMicros: event.cost_saved_micros,
    // Past MAX_EVENT_ATTEMPTS the log holds the first attempts and the last: that one keeps its real number.
    attemptLog: event.attempt_log.map((attempt, index, all) => toAttempt(attempt, index === all.length - 1 ? Math.max(index + 1, event.attempts) : index + 1, labels)),
  };
}

function toAttempt(attempt: EventAttempt, number: number, labels: ScopeLabels): RequestAttemptShape {
  return {
    number,
    deploymentId: attempt.deployment_id,
    providerId: attempt.provider_id,
    providerName: labels.providers.get(attempt.provider_id) ?? null,
    upstreamModel: attempt.upstream_model,
    upstreamStatus: attempt.status === 0 ? null : attempt.status,
    latencyMs: attempt.latency_ms,
    errorCode: orNull(attempt.error_code),
  };
}

/** The events table writes '' for "none"; the API says null. */
function orNull(value: string): string | null {
  return value === '' ? null : value;
}
