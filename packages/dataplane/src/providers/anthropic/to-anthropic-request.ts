import { RelayError } from '@proxystacks/shared/errors/relay-error';
import type { AnthropicMessagesRequest, AnthropicTool, AnthropicToolChoice } from '@proxystacks/shared/anthropic/messages-wire';
import type { ChatCompletionRequest } from '@proxystacks/shared/openai/wire';
import { toAnthropicConversation } from './to-anthropic-messages.ts';

/**
 * `max_tokens` sent when the client set neither `max_tokens` nor `max_completion_tokens`:
 * Anthropic requires it and has no default. 4,096 is the largest output every Claude model
 * accepts (Claude 3 Haiku's limit), so a default never makes a request invalid, and it is long
 * enough for ordinary answers; clients wanting more say so.
 */
export const ANTHROPIC_DEFAULT_MAX_TOKENS = 4_096;

/**
 * The tool that carries a JSON-mode answer. Anthropic has no JSON mode, so `response_format`
 * becomes a tool whose `input_schema` is the requested schema (`{"type":"object"}` for
 * json_object), and the model is made to call it: Anthropic always produces a tool's input as
 * a JSON object, so the answer parses, where a system-prompt instruction would only ask for
 * JSON. The call is turned back into message content (see from-anthropic-message.ts).
 */
export const JSON_RESPONSE_TOOL_NAME = 'json_response';

/** What goes upstream, and what the answer's translation needs to know about it. */
export interface AnthropicRequestPlan {
  readonly body: AnthropicMessagesRequest;
  /** The JSON-mode tool, whose call is the answer's content; null without JSON mode. */
  readonly jsonToolName: string | null;
}

/**
 * Translates an OpenAI chat completion request into an Anthropic Messages request.
 * Sampling parameters Anthropic lacks and that only tune the answer (`seed`, `presence_penalty`,
 * `frequency_penalty`, `logit_bias`, `service_tier`, `store`…) are left out; parameters whose
 * answer Anthropic cannot give (`n` > 1, `logprobs`, a temperature above 1) are refused with
 * their `param`, never silently changed.
 */
export function toAnthropicRequest(request: ChatCompletionRequest, upstreamModel: string, stream: boolean): AnthropicRequestPlan {
  refuseUnsupported(request);
  const { system, messages } = toAnthropicConversation(request.messages);
  const body: AnthropicMessagesRequest = {
    model: upstreamModel,
    messages,
    max_tokens: request.max_completion_tokens ?? request.max_tokens ?? ANTHROPIC_DEFAULT_MAX_TOKENS,
  };
  if (system.length > 0) body.system = system;
  if (typeof request.temperature === 'number') body.temperature = request.temperature;
  if (typeof request.top_p === 'number') body.top_p = request.top_p;
  const stop = request.stop;
  if (typeof stop === 'string' ? stop !== '' : Array.isArray(stop) && stop.length > 0) body.stop_sequences = typeof stop === 'string' ? [stop] : stop!;
  if (typeof request.user === 'string' && request.user !== '') body.metadata = { user_id: request.user };
  if (stream) body.stream = true;
  const jsonSchema = responseSchema(request.response_format);
  applyTools(body, request, jsonSchema);
  return { body, jsonToolName: jsonSchema === null ? null : JSON_RESPONSE_TOOL_NAME };
}

function refuseUnsupported(request: ChatCompletionRequest): void {
  if (typeof request.n === 'number' && request.n > 1) {
    throw new RelayError('unsupported_value', 'Anthropic models return one choice per request: n must be 1.', { param: 'n' });
  }
  if (request.logprobs === true) throw new RelayError('unsupported_parameter', 'Anthropic models do not return logprobs.', { param: 'logprobs' });
  if (typeof request.temperature === 'number' && request.temperature > 1) {
    throw new RelayError('invalid_value', 'Anthropic models accept a temperature between 0 and 1.', { param: 'temperature' });
  }
}

/** The schema a JSON-mode answer must follow, or null for plain text. */
function responseSchema(format: unknown): Record<string, unknown> | null {
  if (format === undefined || format === null) return null;
  const { type, json_schema: jsonSchema } = format as { type?: unknown; json_schema?: { schema?: unknown } };
  if (type === 'text') return null;
  if (type === 'json_object') return { type: 'object' };
  if (type === 'json_schema') {
    const schema = jsonSchema?.schema;
    if (schema === undefined) return { type: 'object' };
    if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) {
      throw new RelayError('invalid_type', 'response_format.json_schema.schema must be a JSON schema object.', { param: 'response_format.json_schema.schema' });
    }
    return schema as Record<string, unknown>;
  }
  throw new RelayError('invalid_value', "response_format.type must be 'text', 'json_object' or 'json_schema'.", { param: 'response_format.type' });
}

/**
 * Tools and tool_choice (auto → auto, none → none, required → any, a named function → tool;
 * `parallel_tool_calls: false` → `disable_parallel_tool_use`). In JSON mode the answer tool is
 * forced; when the client's own tools may also be called, the model must call one of them or
 * the answer tool (`any`), so it never answers in free text.
 */
function applyTools(body: AnthropicMessagesRequest, request: ChatCompletionRequest, jsonSchema: Record<string, unknown> | null): void {
  const choice = request.tool_choice;
  const userTools = choice === 'none' && jsonSchema !== null ? [] : (request.tools ?? []).map(toAnthropicTool);
  const serial = request.parallel_tool_calls === false ? { disable_parallel_tool_use: true } : {};
  let toolChoice: AnthropicToolChoice | undefined;
  if (typeof choice === 'object' && choice !== null) {
    const name = choice.function?.name;
    if (typeof name !== 'string') throw new RelayError('missing_required_parameter', "Missing required parameter: 'tool_choice.function.name'.", { param: 'tool_choice.function.name' });
    toolChoice = { type: 'tool', name, ...serial };
  } else if (jsonSchema !== null) {
    toolChoice = userTools.length === 0 ? { type: 'tool', name: JSON_RESPONSE_TOOL_NAME } : { type: 'any', ...serial };
  } else if (choice === 'none') {
    toolChoice = userTools.length > 0 ? { type: 'none' } : undefined;
  } else if (choice === 'required') {
    toolChoice = { type: 'any', ...serial };
  } else if (userTools.length > 0 && request.parallel_tool_calls === false) {
    toolChoice = { type: 'auto', ...serial };
  }
  if (jsonSchema !== null) {
    if (userTools.some((tool) => tool.name === JSON_RESPONSE_TOOL_NAME)) {
      throw new RelayError('invalid_value', `With response_format, no tool may be named '${JSON_RESPONSE_TOOL_NAME}' on Anthropic models.`, { param: 'tools' });
    }
    userTools.push({ name: JSON_RESPONSE_TOOL_NAME, description: 'Give your final answer by calling this tool: its input is the whole answer.', input_schema: jsonSchema });
  }
  if (userTools.length > 0) body.tools = userTools;
  if (toolChoice !== undefined) body.tool_choice = toolChoice;
}

function toAnthropicTool(tool: { type?: unknown; function?: { name?: unknown; description?: unknown; parameters?: unknown } }, k: number): AnthropicTool {
  if (tool.type !== 'function' || typeof tool.function?.name !== 'string') {
    throw new RelayError('unsupported_value', 'Anthropic models take tools of type function, with a name.', { param: `tools[${k}]` });
  }
  const { name, description, parameters } = tool.function;
  return {
    name,
    ...(typeof description === 'string' ? { description } : {}),
    // Anthropic requires an object schema; OpenAI allows a function without parameters.
    input_schema: typeof parameters === 'object' && parameters !== null ? (parameters as Record<string, unknown>) : { type: 'object', properties: {} },
  };
}
