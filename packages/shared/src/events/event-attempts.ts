/**
 * The `attempt_log` of a request event (issue 10's "every attempt", issue 9's "the event records
 * all of them"): each upstream attempt the data plane made for the request, in order.
 *
 * Stored as one `Array(Tuple(...))` column with named elements rather than a JSON string or six
 * parallel arrays: ClickHouse keeps each tuple element as its own typed sub-column (the
 * status codes compress as UInt16, the provider ids as LowCardinality dictionary keys, and
 * `attempt_log.status` reads one sub-column alone), the element types are checked on insert like
 * any column's, and the items cannot drift out of step the way parallel arrays (or `Nested`,
 * which is parallel arrays with dotted names) can. In JSONEachRow a named tuple is an object, so
 * an event carries `attempt_log: [{ deployment_id, … }]`.
 */

/**
 * Most attempts one event records. The data plane makes at most (deployments of the alias +
 * UPSTREAM_MAX_RETRIES) attempts, and its retry budget keeps the average near 1.2; 16 is far
 * above any real route while bounding what one event (and a sender of events) may store. A
 * request with more keeps its first 15 and its last (data plane `buildRequestEvent`); the
 * `attempts` column still counts them all.
 */
export const MAX_EVENT_ATTEMPTS = 16;

/** The tuple's elements, in order: name, ClickHouse type, longest string, meaning. */
export const EVENT_ATTEMPT_FIELDS = [
  { name: 'deployment_id', type: 'String', maxLength: 128, doc: 'the route tried (ModelRoute id)' },
  { name: 'provider_id', type: 'LowCardinality(String)', maxLength: 128, doc: 'its provider' },
  { name: 'upstream_model', type: 'LowCardinality(String)', maxLength: 512, doc: 'model name sent upstream' },
  { name: 'status', type: 'UInt16', doc: "the upstream's HTTP status; 0 when it never answered (refused, timed out)" },
  { name: 'latency_ms', type: 'UInt32', doc: 'start of the attempt to its end' },
  { name: 'error_code', type: 'LowCardinality(String)', maxLength: 64, doc: "Relay error code of the attempt; '' when it answered" },
] as const;

/** One upstream attempt as an event records it (snake_case, like every event field). */
export interface EventAttempt {
  deployment_id: string;
  provider_id: string;
  upstream_model: string;
  status: number;
  latency_ms: number;
  error_code: string;
}

/** The ClickHouse type of `attempt_log`. */
export const EVENT_ATTEMPTS_TYPE = `Array(Tuple(${EVENT_ATTEMPT_FIELDS.map((f) => `${f.name} ${f.type}`).join(', ')}))`;
