import type { ChatCompletionRequest, ChatContentPart, ChatMessage, ChatTool } from '@proxystacks/shared/openai/wire';
import type { ResponseInputContent, ResponseInputItem, ResponsesRequest, ResponseTextFormat } from '@proxystacks/shared/openai/responses-wire';

/** Where one chat message came from in the Responses request (`input[3]`, `instructions`), and each of its tool calls. */
export interface MessageSource {
  param: string;
  toolCalls: string[];
}

/**
 * A validated Responses request as the chat completion every upstream adapter takes: the
 * Responses API is a chat at heart, so it gets the chat route's routing, fallback, admission
 * and metering unchanged, and works on any upstream (OpenAI wire, Anthropic, Gemini).
 *
 * - `instructions` → a leading system message; `input` as a string → one user message.
 * - Message items keep their role; `input_text`/`output_text` → text parts, `input_image` →
 *   `image_url` parts (the adapters turn data: and http URLs into their own image blocks).
 * - `function_call` items join the assistant message before them (or start one) as
 *   `tool_calls`, so parallel calls stay one turn; `function_call_output` → a `tool` message.
 * - `reasoning` items are dropped: opaque state of another model that chat cannot carry.
 * - `text.format` → `response_format`, `max_output_tokens` → `max_completion_tokens`,
 *   `reasoning.effort` → `reasoning_effort`, `text.verbosity` → `verbosity`.
 * - `store`, `metadata`, `include`, `truncation` and `stream_options` stay here: Relay keeps no
 *   responses, echoes `metadata`, and never truncates.
 *
 * `sources` receives, per chat message, the Responses param it came from, so an upstream
 * adapter's refusal of `messages[2]…` can name `input[3]…` (responses-param.ts).
 */
export function toChatRequest(request: ResponsesRequest, sources: MessageSource[] = []): ChatCompletionRequest {
  const messages: ChatMessage[] = [];
  if (typeof request.instructions === 'string') {
    messages.push({ role: 'system', content: request.instructions });
    sources.push({ param: 'instructions', toolCalls: [] });
  }
  if (typeof request.input === 'string') {
    messages.push({ role: 'user', content: request.input });
    sources.push({ param: 'input', toolCalls: [] });
  } else {
    request.input.forEach((item, i) => appendItem(messages, sources, item, `input[${i}]`));
  }

  const chat: ChatCompletionRequest = { model: request.model, messages };
  if (request.stream === true) chat.stream = true;
  if (request.tools !== undefined && request.tools.length > 0) chat.tools = request.tools.map(toChatTool);
  if (request.tool_choice !== undefined) {
    chat.tool_choice = typeof request.tool_choice === 'string' ? request.tool_choice : { type: 'function', function: { name: request.tool_choice.name } };
  }
  setIfPresent(chat, 'parallel_tool_calls', request.parallel_tool_calls);
  setIfPresent(chat, 'max_completion_tokens', request.max_output_tokens);
  setIfPresent(chat, 'temperature', request.temperature);
  setIfPresent(chat, 'top_p', request.top_p);
  setIfPresent(chat, 'user', request.user);
  setIfPresent(chat, 'safety_identifier', request.safety_identifier);
  setIfPresent(chat, 'prompt_cache_key', request.prompt_cache_key);
  setIfPresent(chat, 'service_tier', request.service_tier);
  setIfPresent(chat, 'reasoning_effort', request.reasoning?.effort);
  setIfPresent(chat, 'verbosity', request.text?.verbosity);
  const responseFormat = toResponseFormat(request.text?.format);
  if (responseFormat !== null) chat.response_format = responseFormat;
  return chat;
}

function appendItem(messages: ChatMessage[], sources: MessageSource[], item: ResponseInputItem, param: string): void {
  if (item.type === 'reasoning') return;
  if (item.type === 'function_call') {
    const call = { id: item.call_id, type: 'function' as const, function: { name: item.name, arguments: item.arguments } };
    const last = messages.at(-1);
    if (last?.role === 'assistant') {
      (last.tool_calls ??= []).push(call);
      sources.at(-1)!.toolCalls.push(param);
      return;
    }
    messages.push({ role: 'assistant', content: null, tool_calls: [call] });
    sources.push({ param, toolCalls: [param] });
    return;
  }
  sources.push({ param, toolCalls: [] });
  messages.push(toChatMessage(item));
}

function toChatMessage(item: Exclude<ResponseInputItem, { type: 'function_call' | 'reasoning' }>): ChatMessage {
  switch (item.type) {
    case 'function_call_output':
      return {
        role: 'tool',
        tool_call_id: item.call_id,
        content: typeof item.output === 'string' ? item.output : item.output.map((part) => ({ type: 'text', text: part.text })),
      };
    default:
      if (typeof item.content === 'string') return { role: item.role, content: item.content };
      if (item.role === 'assistant') return assistantMessage(item.content);
      return { role: item.role, content: item.content.map(toChatPart) };
  }
}

/** An earlier assistant turn sent back: its text as one string (what every upstream takes), a refusal as `refusal`. */
function assistantMessage(content: ResponseInputContent[]): ChatMessage {
  let text = '';
  let refusal: string | null = null;
  for (const part of content) {
    if (part.type === 'refusal') refusal = (refusal ?? '') + part.refusal;
    else if (part.type === 'output_text' || part.type === 'input_text') text += part.text;
  }
  return { role: 'assistant', content: text === '' && refusal !== null ? null : text, ...(refusal === null ? {} : { refusal }) };
}

function toChatPart(part: ResponseInputContent): ChatContentPart {
  switch (part.type) {
    case 'input_image':
      return { type: 'image_url', image_url: { url: part.image_url!, ...(part.detail === undefined || part.detail === null ? {} : { detail: part.detail as 'auto' | 'low' | 'high' }) } };
    case 'refusal':
      return { type: 'text', text: part.refusal };
    default:
      return { type: 'text', text: part.text };
  }
}

function toChatTool(tool: NonNullable<ResponsesRequest['tools']>[number]): ChatTool {
  const fn: ChatTool['function'] = { name: tool.name };
  if (typeof tool.description === 'string') fn.description = tool.description;
  if (tool.parameters !== undefined && tool.parameters !== null) fn.parameters = tool.parameters;
  if (typeof tool.strict === 'boolean') fn.strict = tool.strict;
  return { type: 'function', function: fn };
}

function toResponseFormat(format: ResponseTextFormat | undefined): Record<string, unknown> | null {
  if (format === undefined || format === null || format.type === 'text') return null;
  if (format.type === 'json_object') return { type: 'json_object' };
  const schema: Record<string, unknown> = { name: format.name, schema: format.schema };
  if (typeof format.description === 'string') schema.description = format.description;
  if (typeof format.strict === 'boolean') schema.strict = format.strict;
  return { type: 'json_schema', json_schema: schema };
}

function setIfPresent(chat: ChatCompletionRequest, field: string, value: unknown): void {
  if (value !== undefined && value !== null) chat[field] = value;
}
