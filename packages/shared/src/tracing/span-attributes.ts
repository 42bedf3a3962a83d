import { ATTR_ERROR_TYPE, ATTR_HTTP_REQUEST_METHOD, ATTR_HTTP_RESPONSE_STATUS_CODE, ATTR_HTTP_ROUTE } from '@opentelemetry/semantic-conventions';

/**
 * The span attribute names both planes write. Stable OpenTelemetry semantic conventions come from
 * the package; the GenAI and GraphQL ones are still incubating, and the conventions' own advice
 * is to copy incubating names rather than import their (unstable, 800 KB) entry point. `relay.*`
 * are this gateway's own. Never a key secret, a prompt, an answer or GraphQL variables.
 */
export const SPAN_ATTRIBUTES = {
  httpRoute: ATTR_HTTP_ROUTE,
  httpMethod: ATTR_HTTP_REQUEST_METHOD,
  httpStatusCode: ATTR_HTTP_RESPONSE_STATUS_CODE,
  errorType: ATTR_ERROR_TYPE,
  /** https://opentelemetry.io/docs/specs/semconv/gen-ai/gen-ai-spans/ */
  genAiOperation: 'gen_ai.operation.name',
  genAiProvider: 'gen_ai.provider.name',
  genAiRequestModel: 'gen_ai.request.model',
  genAiInputTokens: 'gen_ai.usage.input_tokens',
  genAiOutputTokens: 'gen_ai.usage.output_tokens',
  /** https://opentelemetry.io/docs/specs/semconv/graphql/graphql-spans/ */
  graphqlOperationName: 'graphql.operation.name',
  graphqlOperationType: 'graphql.operation.type',
  requestId: 'relay.request_id',
  modelAlias: 'relay.model_alias',
  keyPrefix: 'relay.key_prefix',
  costMicros: 'relay.cost_micros',
  cachedTokens: 'relay.cached_tokens',
  attempts: 'relay.attempts',
  errorCode: 'relay.error_code',
  upstreamErrorCode: 'relay.upstream_error_code',
  streamEnd: 'relay.stream_end',
  deploymentId: 'relay.deployment_id',
  providerId: 'relay.provider_id',
  retryIndex: 'relay.retry_index',
} as const;
