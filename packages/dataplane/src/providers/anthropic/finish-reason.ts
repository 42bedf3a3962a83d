import type { AnthropicStopReason } from '@proxystacks/shared/anthropic/messages-wire';
import type { FinishReason } from '@proxystacks/shared/openai/wire';

/**
 * Anthropic's `stop_reason` as OpenAI's `finish_reason`. `tool_use` is `tool_calls` only when
 * a client tool was called: a JSON-mode answer arrives as a call of the answer tool, and to
 * the client that is a finished answer (`stop`). `pause_turn` (a server tool paused a long
 * turn) also ends this answer. Unknown future reasons read as `stop`.
 */
export function toFinishReason(stopReason: AnthropicStopReason | null | undefined, calledClientTool: boolean): FinishReason {
  switch (stopReason) {
    case 'max_tokens':
    case 'model_context_window_exceeded':
      return 'length';
    case 'tool_use':
      return calledClientTool ? 'tool_calls' : 'stop';
    case 'refusal':
      return 'content_filter';
    default:
      return 'stop';
  }
}
