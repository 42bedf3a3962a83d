import { RelayError } from '@proxystacks/shared/errors/relay-error';
import type { ChatCompletionRequest, ChatTool } from '@proxystacks/shared/openai/wire';
import { toChatMessages } from './to-chat-messages.ts';
import type { InboundMessagesRequest } from './validate-messages-request.ts';

/**
 * Parameters of Anthropic's API that OpenAI's chat wire has no field for. They are accepted (an
 * Anthropic client sends them routinely) and not forwarded; the README's Messages section
 * lists them. `top_k` has no OpenAI counterpart; `thinking` budgets are Anthropic-only.
 */
export const IGNORED_MESSAGES_PARAMS = ['top_k', 'thinking'] as const;

/**
 * An Anthropic Messages request as the OpenAI chat request every upstream adapter takes, so
 * `/v1/messages` is routed, admitted, metered and answered by the same path as chat
 * completions, onto any upstream (translated again for Anthropic and Gemini upstreams).
 *
 * - `max_tokens` → `max_tokens` (the field every OpenAI-compatible server knows);
 * - `stop_sequences` → `stop`; `temperature` and `top_p` as they are (Anthropic's 0–1
 *   temperature is within OpenAI's 0–2); `metadata.user_id` → `user`;
 * - `tools` (`input_schema`) → function tools; Anthropic's server tools (`type` other than
 *   `custom`) are refused, no OpenAI upstream can run them;
 * - `tool_choice` auto / any / tool / none → "auto" / "required" / a named function / "none",
 *   and `disable_parallel_tool_use` → `parallel_tool_calls: false`.
 */
export function toChatRequest(request: InboundMessagesRequest): ChatCompletionRequest {
  const chat: ChatCompletionRequest = { model: request.model, messages: toChatMessages(request) };
  if (request.max_tokens !== undefined) chat.max_tokens = request.max_tokens;
  if (request.stream === true) chat.stream = true;
  if (request.temperature !== undefined) chat.temperature = request.temperature;
  if (request.top_p !== undefined) chat.top_p = request.top_p;
  if (request.stop_sequences !== undefined && request.stop_sequences.length > 0) chat.stop = request.stop_sequences;
  const userId = request.metadata?.user_id;
  if (typeof userId === 'string' && userId !== '') chat.user = userId;
  if (request.tools !== undefined && request.tools.length > 0) chat.tools = request.tools.map(toChatTool);
  const choice = request.tool_choice;
  if (choice !== undefined && chat.tools !== undefined) {
    chat.tool_choice = choice.type === 'tool' ? { type: 'function', function: { name: choice.name } } : choice.type === 'any' ? 'required' : choice.type;
    if (choice.type !== 'none' && choice.disable_parallel_tool_use === true) chat.parallel_tool_calls = false;
  }
  return chat;
}

function toChatTool(tool: NonNullable<InboundMessagesRequest['tools']>[number], i: number): ChatTool {
  if (tool.type !== undefined && tool.type !== 'custom') {
    throw new RelayError('unsupported_value', `Anthropic server tools ('${tool.type.slice(0, 40)}') are not supported by this gateway's Messages API.`, { param: `tools[${i}].type` });
  }
  if (typeof tool.input_schema !== 'object' || tool.input_schema === null || Array.isArray(tool.input_schema)) {
    throw new RelayError('missing_required_parameter', `Missing required parameter: 'tools[${i}].input_schema'.`, { param: `tools[${i}].input_schema` });
  }
  return { type: 'function', function: { name: tool.name, ...(tool.description === undefined ? {} : { description: tool.description }), parameters: tool.input_schema } };
}
