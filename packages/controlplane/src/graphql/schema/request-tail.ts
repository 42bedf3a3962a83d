import { createGraphQLError } from 'graphql-yoga';
import { eventMatchesFilters } from '../../analytics/analytics-filters.ts';
import { eventInScope } from '../../analytics/event-scope.ts';
import { createRequestTail, type TailDelivery } from '../../analytics/request-tail.ts';
import { analyticsAuthScopes, eventScopeOf } from '../analytics-scope.ts';
import { builder } from '../builder.ts';
import type { GraphQLDeps } from '../context.ts';
import { analyticsFilterArgs, analyticsFiltersOf } from './analytics-args.ts';
import { labelsOf, RequestLogEntryRef, toEntry } from './request-log.ts';

/** The tail of a control plane built without one (tests of other fields): nothing publishes to it. */
const silentTails = new WeakMap<GraphQLDeps['clickhouse'], ReturnType<typeof createRequestTail>>();

builder.subscriptionFields((t) => ({
  requestTail: t.field({
    authScopes: analyticsAuthScopes('requests:read'),
    type: RequestLogEntryRef,
    nullable: true,
    description:
      'Requests as this control plane ingests them, scoped and filtered exactly like `requests` (over SSE: `Accept: text/event-stream`). ' +
      'A subscriber that falls behind loses the newest requests: the item after the gap is null with an error whose `extensions.code` is `tail_overflow` and `extensions.dropped` the count. ' +
      'A data plane writing ClickHouse itself sends only its priced requests through the control plane, so the tail shows only those.',
    args: analyticsFilterArgs(t.arg),
    subscribe: (_root, args, ctx) => {
      const orgId = ctx.principal.orgId;
      const scope = eventScopeOf(ctx, 'requests:read', args);
      const filters = analyticsFiltersOf(args);
      const tail = ctx.deps.requestTail ?? silentTailOf(ctx.deps.clickhouse);
      return tail.subscribe((event) => event.org_id === orgId && eventInScope(event, scope) && eventMatchesFilters(event, filters));
    },
    resolve: async (delivery: TailDelivery, _args, ctx) => {
      if (delivery.kind === 'dropped') {
        // A GraphQL error of our own making is shown as is (mask-error.ts); the stream goes on.
        throw createGraphQLError(`The live tail fell behind: ${delivery.count} requests were not delivered.`, {
          extensions: { code: 'tail_overflow', dropped: delivery.count },
        });
      }
      return toEntry(delivery.event, await labelsOf(ctx.prisma, ctx.principal.orgId, [delivery.event]));
    },
  }),
}));

function silentTailOf(clickhouse: GraphQLDeps['clickhouse']) {
  let tail = silentTails.get(clickhouse);
  if (tail === undefined) {
    tail = createRequestTail();
    silentTails.set(clickhouse, tail);
  }
  return tail;
}
