export { analyticsFiltersOf } from '../../analytics/analytics-filters.ts';
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

