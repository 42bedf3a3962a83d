import { ANTHROPIC_ERROR_TYPE_BY_STATUS, type AnthropicErrorBody, type AnthropicErrorType } from '../anthropic/messages-wire.ts';
import { ERROR_CODES, isErrorCode } from './error-codes.ts';
import { toOpenAIError, type OpenAIErrorBody } from './openai-error.ts';

/** An error serialised for Anthropic Messages clients: what the edge writes, and whether clients should retry. */
export interface SerialisedAnthropicError {
  readonly status: number;
  readonly body: AnthropicErrorBody;
  readonly retryable: boolean;
  readonly retryAfterSeconds?: number;
}

/**
 * Anthropic's status for "come back later": its SDKs retry it like any 5xx and raise
 * `OverloadedError`. Our 503s (an overloaded upstream, a full body budget, no snapshot yet)
 * are exactly that. https://docs.anthropic.com/en/api/errors
 */
const OVERLOADED_STATUS = 529;

/**
 * The same failure as {@link toOpenAIError} (same code table, same masking of anything that is
 * not a RelayError, same retry hints), in the shape Anthropic's API and SDKs use:
 * `{"type":"error","error":{"type","message"},"request_id"}`. The status is the table's, except
 * that 503 becomes Anthropic's 529 `overloaded_error`; the type follows the status, except that
 * a spent budget (`insufficient_quota`, 429) is a `billing_error`, so a client can tell it from
 * a rate limit that passes.
 */
export function toAnthropicError(err: unknown, requestId: string): SerialisedAnthropicError {
  const openai = toOpenAIError(err, requestId);
  const status = openai.status === 503 ? OVERLOADED_STATUS : openai.status;
  return {
    status,
    retryable: openai.retryable,
    ...(openai.retryAfterSeconds === undefined ? {} : { retryAfterSeconds: openai.retryAfterSeconds }),
    body: anthropicErrorBody(openai.body, requestId),
  };
}

/**
 * An OpenAI-shaped error body (as the SSE relay builds for a stream that fails midway) in
 * Anthropic's shape: the payload of a mid-stream `event: error`, also the body of whole answers.
 */
export function anthropicErrorBody(body: OpenAIErrorBody, requestId: string): AnthropicErrorBody {
  const { code, param } = body.error;
  // Anthropic's body has no `param`: the offending field leads the message, as Anthropic's own do ("max_tokens: Field required").
  const message = param === null || body.error.message.includes(`'${param}'`) ? body.error.message : `${param}: ${body.error.message}`;
  const status = isErrorCode(code) ? ERROR_CODES[code].status : 500;
  const type: AnthropicErrorType =
    code === 'insufficient_quota' ? 'billing_error' : status === 503 ? 'overloaded_error' : (ANTHROPIC_ERROR_TYPE_BY_STATUS[status] ?? (status >= 500 ? 'api_error' : 'invalid_request_error'));
  return { type: 'error', error: { type, message }, request_id: requestId };
}
