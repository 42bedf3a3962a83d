import { toAnthropicError } from '@proxystacks/shared/errors/anthropic-error';
import type { ErrorWire } from '../../http/error-wire.ts';

/**
 * Errors of `/v1/messages` as Anthropic writes them, so `@anthropic-ai/sdk` raises its own error
 * classes (`NotFoundError`, `RateLimitError`, `OverloadedError`…) with the right `type`: a whole
 * answer `{"type":"error","error":{type,message},"request_id"}`, or mid-stream the same body as
 * an `event: error` (shared/errors/anthropic-error.ts maps the code table onto Anthropic's).
 */
export const ANTHROPIC_ERROR_WIRE: ErrorWire = {
  answer: toAnthropicError,
  streamEvent: (err, requestId) => `event: error\ndata: ${JSON.stringify(toAnthropicError(err, requestId).body)}\n\n`,
};
