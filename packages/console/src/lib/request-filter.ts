/**
 * The Requests page's question as it lives in the address bar, and the links other pages use
 * to open it (drill-down): `?from=…&to=…&key=…&model=…&error=…&status=ERROR&team=…&project=…&env=…`.
 * Pure: parsing, narrowing junk away, and writing links.
 */
import type { TimeRange } from './time-range.ts';

/** Outcome filter of the request log. */
export type RequestStatus = 'SUCCESS' | 'ERROR';

/** The filters of the request log other than team / project / environment (those are the scope filter's). */
export interface RequestFilter {
  keyId: string | null;
  model: string | null;
  errorCode: string | null;
  status: RequestStatus | null;
}

/** No filter. */
export const NO_REQUEST_FILTER: RequestFilter = Object.freeze({ keyId: null, model: null, errorCode: null, status: null });

/** Everything a drill-down link can name: a range, a request filter, and a scope. */
export interface DrillDown extends Partial<RequestFilter> {
  range?: TimeRange;
  teamId?: string | null;
  projectId?: string | null;
  environment?: string | null;
}

type ParamValue = string | string[] | undefined;

const ID = /^[A-Za-z0-9_-]{1,100}$/;
/** Model aliases and error codes are short printable names; anything else in a link is ignored. */
const NAME = /^[\w.:/@+-]{1,200}$/;
/** The longest range a link may carry (the API's own retention bounds the rest). */
const MAX_RANGE_MS = 400 * 24 * 60 * 60 * 1000;

function first(value: ParamValue): string | null {
  const text = Array.isArray(value) ? value[0] : value;
  return text === undefined || text === '' ? null : text;
}

function matching(value: ParamValue, pattern: RegExp): string | null {
  const text = first(value);
  return text !== null && pattern.test(text) ? text : null;
}

/** Reads the request filter from the query string; a malformed value is no filter. */
export function readRequestFilter(params: { key?: ParamValue; model?: ParamValue; error?: ParamValue; status?: ParamValue }): RequestFilter {
  const status = first(params.status);
  return {
    keyId: matching(params.key, ID),
    model: matching(params.model, NAME),
    errorCode: matching(params.error, NAME),
    status: status === 'SUCCESS' || status === 'ERROR' ? status : null,
  };
}

/** The query-string parameters of a request filter, for `setSearchParams` (undefined removes one). */
export function requestFilterParams(filter: RequestFilter): Record<'key' | 'model' | 'error' | 'status', string | undefined> {
  return {
    key: filter.keyId ?? undefined,
    model: filter.model ?? undefined,
    error: filter.errorCode ?? undefined,
    status: filter.status ?? undefined,
  };
}

/**
 * An explicit range from `?from=&to=` (ISO instants, from before to, at most ~400 days), which a
 * drill-down sets instead of a preset; null when absent or malformed.
 */
export function readExplicitRange(params: { from?: ParamValue; to?: ParamValue }): TimeRange | null {
  const from = first(params.from);
  const to = first(params.to);
  if (from === null || to === null) return null;
  const fromMs = Date.parse(from);
  const toMs = Date.parse(to);
  if (!Number.isFinite(fromMs) || !Number.isFinite(toMs) || fromMs >= toMs || toMs - fromMs > MAX_RANGE_MS) return null;
  return { from: new Date(fromMs).toISOString(), to: new Date(toMs).toISOString() };
}

/**
 * The Requests page's address for a drill-down: only what is named goes in the link.
 * @example requestsHref({ model: 'relay-mini', status: 'ERROR' }) === '/requests?model=relay-mini&status=ERROR'
 */
export function requestsHref(drill: DrillDown): string {
  const params = new URLSearchParams();
  if (drill.range !== undefined) {
    params.set('from', drill.range.from);
    params.set('to', drill.range.to);
  }
  const entries: [string, string | null | undefined][] = [
    ['key', drill.keyId],
    ['model', drill.model],
    ['error', drill.errorCode],
    ['status', drill.status],
    ['team', drill.teamId],
    ['project', drill.projectId],
    ['env', drill.environment],
  ];
  for (const [name, value] of entries) if (value !== null && value !== undefined) params.set(name, value);
  const query = params.toString();
  return query === '' ? '/requests' : `/requests?${query}`;
}
