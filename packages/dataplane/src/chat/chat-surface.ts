import type { ChatCompletionChunk, ChatCompletionRequest } from '@proxystacks/shared/openai/wire';
import { eventData } from '../streaming/sse-scanner.ts';
import type { OpenAIErrorBody } from '@proxystacks/shared/errors/openai-error';
import type { StreamOutcome } from '../streaming/sse-relay.ts';

/**
 * How an inbound API surface puts an answer on the wire. Every surface (chat completions,
 * Responses, Anthropic Messages) is served by the same routing, fallback, admission and
 * metering: upstream adapters always produce OpenAI chat-completion JSON or SSE chunks, and a
 * surface only re-renders those for its own clients. Chat completions is the identity surface.
 */
export interface ChatSurface {
  /** The upstream's complete chat completion (OpenAI JSON) → the body the client gets. */
  renderJson?(completion: Buffer, request: ChatCompletionRequest): Buffer;
  /** A renderer for one stream's events; absent = OpenAI chunks go out as they came. */
  streamRenderer?(request: ChatCompletionRequest): SseRenderer;
}

/**
 * Re-renders one relayed stream. It sees every OpenAI chunk event the upstream sent (usage
 * chunk included), and writes the stream's closing bytes itself, so a surface with typed
 * events (`response.completed`, `message_stop`) can close the way its SDKs expect.
 */
export interface SseRenderer {
  /** One upstream OpenAI chunk (a whole `data: …\n\n` event) → bytes for the client, or null for none yet. */
  event(event: Buffer): Buffer | null;
  /** The closing bytes of a complete stream, in place of `data: [DONE]`. The outcome carries usage and finish reason. */
  done(outcome: StreamOutcome): Buffer | string;
  /** The closing error event of a stream that failed after it started, in place of the OpenAI-shaped one. */
  error(error: OpenAIErrorBody, outcome: StreamOutcome): Buffer | string;
}

/** The OpenAI chunk one relayed SSE event carries, or null when it carries none (a comment, `[DONE]`, bad JSON): what a renderer reads. */
export function chunkOfEvent(event: Buffer): Partial<ChatCompletionChunk> | null {
  const data = eventData(event);
  if (data === null) return null;
  try {
    return JSON.parse(data) as Partial<ChatCompletionChunk>;
  } catch {
    return null;
  }
}
