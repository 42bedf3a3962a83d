import type { IncomingHttpHeaders } from 'node:http';

/** Why the mock refuses an Anthropic request: the status and `error.type` Anthropic would answer with. */
export interface AnthropicRefusal {
  status: number;
  type: 'authentication_error' | 'invalid_request_error';
  message: string;
}

const MEDIA_TYPES = new Set(['image/jpeg', 'image/png', 'image/gif', 'image/webp']);
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * Checks a Messages API request the way Anthropic does, strictly enough that an adapter bug
 * shows up as the 400 a real provider would give rather than as a pass: the `x-api-key` and
 * `anthropic-version` headers, `model` and `max_tokens` present, roles alternating from a user
 * message, no empty text, images with a supported media type and valid base64 or an http(s)
 * URL, every `tool_use` answered by a `tool_result` first in the next user message, and a
 * `tool_choice` that names an offered tool. Returns null when the request is acceptable.
 * https://docs.anthropic.com/en/api/messages
 */
export function checkAnthropicRequest(headers: IncomingHttpHeaders, body: Record<string, unknown>): AnthropicRefusal | null {
  if (typeof headers['x-api-key'] !== 'string' || headers['x-api-key'] === '') {
    return { status: 401, type: 'authentication_error', message: 'x-api-key header is required' };
  }
  if (typeof headers['anthropic-version'] !== 'string' || headers['anthropic-version'] === '') return invalid('anthropic-version: header is required');
  if (typeof body.model !== 'string' || body.model === '') return invalid('model: Field required');
  if (!Number.isSafeInteger(body.max_tokens) || (body.max_tokens as number) < 1) return invalid('max_tokens: Field required');
  if (typeof body.temperature === 'number' && (body.temperature < 0 || body.temperature > 1)) return invalid('temperature: Input should be less than or equal to 1');
  return checkSystem(body.system) ?? checkMessages(body.messages) ?? checkTools(body.tools, body.tool_choice);
}

function invalid(message: string): AnthropicRefusal {
  return { status: 400, type: 'invalid_request_error', message };
}

function checkSystem(system: unknown): AnthropicRefusal | null {
  if (system === undefined || typeof system === 'string') return null;
  if (!Array.isArray(system)) return invalid('system: Input should be a valid list');
  for (const block of system as Array<{ type?: unknown; text?: unknown }>) {
    if (block.type !== 'text' || typeof block.text !== 'string' || block.text === '') return invalid('system: text content blocks must be non-empty');
  }
  return null;
}

function checkMessages(messages: unknown): AnthropicRefusal | null {
  if (!Array.isArray(messages) || messages.length === 0) return invalid('messages: at least one message is required');
  let pendingToolUses: string[] = [];
  for (let i = 0; i < messages.length; i++) {
    const { role, content } = messages[i] as { role?: unknown; content?: unknown };
    if (role !== 'user' && role !== 'assistant') return invalid(`messages.${i}.role: Input should be 'user' or 'assistant'`);
    if (role !== (i % 2 === 0 ? 'user' : 'assistant')) return invalid('messages: roles must alternate between "user" and "assistant", starting with "user"');
    const blocks = typeof content === 'string' ? [{ type: 'text', text: content }] : content;
    if (!Array.isArray(blocks) || blocks.length === 0) return invalid(`messages.${i}: all messages must have non-empty content`);
    const problem = checkBlocks(blocks as Array<Record<string, unknown>>, role, i, pendingToolUses);
    if (problem !== null) return problem;
    pendingToolUses = role === 'assistant' ? blocks.filter((b: { type?: unknown }) => b.type === 'tool_use').map((b: { id?: unknown }) => String(b.id)) : [];
  }
  return null;
}

function checkBlocks(blocks: Array<Record<string, unknown>>, role: 'user' | 'assistant', i: number, pendingToolUses: readonly string[]): AnthropicRefusal | null {
  const answered = new Set<string>();
  for (let j = 0; j < blocks.length; j++) {
    const block = blocks[j]!;
    const at = `messages.${i}.content.${j}`;
    if (block.type === 'text') {
      if (typeof block.text !== 'string' || block.text === '') return invalid(`${at}: text content blocks must be non-empty`);
    } else if (block.type === 'image' && role === 'user') {
      const problem = checkImage(block.source as Record<string, unknown> | undefined, at);
      if (problem !== null) return problem;
    } else if (block.type === 'tool_use' && role === 'assistant') {
      if (typeof block.id !== 'string' || typeof block.name !== 'string' || typeof block.input !== 'object' || block.input === null) return invalid(`${at}: tool_use needs id, name and an object input`);
    } else if (block.type === 'tool_result' && role === 'user') {
      if (j !== answered.size) return invalid(`${at}: tool_result blocks must come first in the message`);
      if (!pendingToolUses.includes(String(block.tool_use_id))) return invalid(`${at}: unexpected tool_use_id found in tool_result blocks`);
      answered.add(String(block.tool_use_id));
    } else {
      return invalid(`${at}: unexpected block type '${String(block.type)}' in a ${role} message`);
    }
  }
  if (role === 'user' && pendingToolUses.some((id) => !answered.has(id))) {
    return invalid(`messages.${i}: tool_use ids were found without tool_result blocks immediately after`);
  }
  return null;
}

function checkImage(source: Record<string, unknown> | undefined, at: string): AnthropicRefusal | null {
  if (source?.type === 'url') return typeof source.url === 'string' && /^https?:\/\//.test(source.url) ? null : invalid(`${at}.source.url: must be an http(s) URL`);
  if (source?.type !== 'base64') return invalid(`${at}.source: expected a base64 or url source`);
  if (!MEDIA_TYPES.has(String(source.media_type))) return invalid(`${at}.source.media_type: unsupported image type`);
  if (typeof source.data !== 'string' || source.data === '' || !BASE64.test(source.data)) return invalid(`${at}.source.data: invalid base64 data`);
  return null;
}

function checkTools(tools: unknown, toolChoice: unknown): AnthropicRefusal | null {
  const names: string[] = [];
  if (tools !== undefined) {
    if (!Array.isArray(tools)) return invalid('tools: Input should be a valid list');
    for (const [k, tool] of (tools as Array<{ name?: unknown; input_schema?: { type?: unknown } }>).entries()) {
      if (typeof tool.name !== 'string' || !/^[a-zA-Z0-9_-]{1,128}$/.test(tool.name)) return invalid(`tools.${k}.name: invalid tool name`);
      if (tool.input_schema?.type !== 'object') return invalid(`tools.${k}.input_schema.type: Input should be 'object'`);
      names.push(tool.name);
    }
  }
  if (toolChoice === undefined) return null;
  const choice = toolChoice as { type?: unknown; name?: unknown };
  if (!['auto', 'any', 'tool', 'none'].includes(String(choice.type))) return invalid('tool_choice.type: invalid');
  if (choice.type !== 'none' && choice.type !== 'auto' && names.length === 0) return invalid('tool_choice: may only be specified while providing tools');
  if (choice.type === 'tool' && !names.includes(String(choice.name))) return invalid(`tool_choice.name: no tool named '${String(choice.name)}'`);
  return null;
}
