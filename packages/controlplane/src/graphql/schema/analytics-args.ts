import type { AnalyticsFilters, RequestStatusFilter } from '../../analytics/analytics-filters.ts';
import { InputError } from '../../domain/input-error.ts';
import { builder } from '../builder.ts';
import { RequestStatusFilterEnum } from './enums.ts';

type ArgBuilder = Parameters<Parameters<typeof builder.queryFields>[0]>[0]['arg'];

/**
 * The filter arguments every analytics field takes (timeSeries, topN, requests): the scope ones
 * (team, project, environment, key), which analyticsAuthScopes checks against the caller's role,
 * and the dimension ones below them. One definition, so the fields cannot drift apart.
 */
export function analyticsFilterArgs(arg: ArgBuilder) {
  return {
    teamId: arg.id(),
    projectId: arg.id(),
    environmentId: arg.id({ description: 'One project environment.' }),
    environment: arg.string({ description: 'An environment name (`production`), across every project.' }),
    keyId: arg.id(),
    model: arg.string({ description: 'Model alias the client asked for.' }),
    upstreamModel: arg.string({ description: 'Model name sent to the provider.' }),
    providerId: arg.id({ description: 'Provider of the final attempt.' }),
    statusCode: arg.int({ description: 'HTTP status sent to the client (100–599).' }),
    status: arg({ type: RequestStatusFilterEnum, description: 'SUCCESS (status below 400) or ERROR.' }),
    errorCode: arg.string({ description: 'Relay error code (`upstream_error`, `rate_limit_exceeded`, …).' }),
  };
}

/** The filter argument values as the analytics queries take them. */
export interface FilterArgValues {
  keyId?: string | number | null;
  model?: string | null;
  upstreamModel?: string | null;
  providerId?: string | number | null;
  statusCode?: number | null;
  status?: RequestStatusFilter | null;
  errorCode?: string | null;
}

/**
 * The dimension filters of `args` (the scope ones go through eventScopeOf).
 * @throws InputError on a status code outside 100–599.
 */
export function analyticsFiltersOf(args: FilterArgValues): AnalyticsFilters {
  if (args.statusCode !== null && args.statusCode !== undefined && (args.statusCode < 100 || args.statusCode > 599)) {
    throw new InputError('`statusCode` must be an HTTP status from 100 to 599.', 'BAD_USER_INPUT', 'statusCode');
  }
  const text = (value: string | number | null | undefined): string | null => (value === null || value === undefined ? null : String(value));
  return {
    keyId: text(args.keyId),
    model: args.model ?? null,
    upstreamModel: args.upstreamModel ?? null,
    providerId: text(args.providerId),
    statusCode: args.statusCode ?? null,
    status: args.status ?? null,
    errorCode: args.errorCode ?? null,
  };
}
