import { toOpenAIError } from '@proxystacks/shared/errors/openai-error';

/** A failure as one API surface writes it: status, JSON body and the retry hints for the client. */
export interface WireError {
  readonly status: number;
  readonly body: object;
  readonly retryable: boolean;
  readonly retryAfterSeconds?: number;
}

/**
 * How one request's errors are written. Every error still goes through the one code table and
 * RelayError (shared/errors); a surface only chooses the shape: OpenAI's for the OpenAI routes,
 * Anthropic's for `/v1/messages` (inbound/anthropic-messages/anthropic-error-wire.ts).
 */
export interface ErrorWire {
  /** A whole error answer. */
  answer(err: unknown, requestId: string): WireError;
  /** The closing SSE event of a stream whose headers already went out. */
  streamEvent(err: unknown, requestId: string): string;
}

/** OpenAI's `{"error":{message,type,code,param}}`, and the same as a `data:` event mid-stream. */
export const OPENAI_ERROR_WIRE: ErrorWire = {
  answer: toOpenAIError,
  streamEvent: (err, requestId) => `data: ${JSON.stringify(toOpenAIError(err, requestId).body)}\n\n`,
};
