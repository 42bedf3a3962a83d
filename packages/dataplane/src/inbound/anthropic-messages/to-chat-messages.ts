import { RelayError } from '@proxystacks/shared/errors/relay-error';
import type { ChatContentPart, ChatMessage, ChatToolCall } from '@proxystacks/shared/openai/wire';
import type { InboundMessagesRequest } from './validate-messages-request.ts';

type Block = { type: string; [field: string]: unknown };

/**
 * Blocks a client sends back from an earlier answer that OpenAI's wire has no place for:
 * extended thinking (and its redacted form) only matters to Anthropic's own models, so it is
 * dropped rather than refused, or conversations with thinking on could not continue.
 */
const DROPPED_BLOCKS = new Set(['thinking', 'redacted_thinking']);

/**
 * Anthropic's `system` and `messages` as an OpenAI conversation:
 * - `system` (a string or text blocks) → one system message, blocks joined by newlines;
 * - a user turn → its `tool_result` blocks as `tool` messages (OpenAI's place for them, and
 *   first, as Anthropic requires them first), then the rest as one user message: a string when
 *   it is all text, content parts when it has images (base64 → a `data:` URL, url → the URL);
 *   images inside tool results ride in that user message, as OpenAI tool messages hold only text;
 * - an assistant turn → its text as `content` and its `tool_use` blocks as `tool_calls`
 *   (input serialised as the arguments string).
 * Blocks with no OpenAI equivalent (documents, server tools, search results) are refused with
 * their path as `param`, never silently dropped.
 */
export function toChatMessages(request: Pick<InboundMessagesRequest, 'system' | 'messages'>): ChatMessage[] {
  const out: ChatMessage[] = [];
  const system = systemText(request.system);
  if (system !== null) out.push({ role: 'system', content: system });
  request.messages.forEach((message, i) => {
    if (typeof message.content === 'string') out.push({ role: message.role, content: message.content });
    else if (message.role === 'user') out.push(...userMessages(message.content, i));
    else out.push(assistantMessage(message.content, i));
  });
  return out;
}

function systemText(system: InboundMessagesRequest['system']): string | null {
  if (system === undefined) return null;
  if (typeof system === 'string') return system === '' ? null : system;
  const texts = system.map((block, j) => {
    if (block.type !== 'text' || typeof block.text !== 'string') {
      throw new RelayError('invalid_value', 'System blocks must be text blocks.', { param: `system[${j}]` });
    }
    return block.text;
  });
  return texts.length === 0 ? null : texts.join('\n');
}

function userMessages(blocks: Block[], i: number): ChatMessage[] {
  const toolMessages: ChatMessage[] = [];
  const parts: ChatContentPart[] = [];
  const toolImages: ChatContentPart[] = [];
  blocks.forEach((block, j) => {
    const param = `messages[${i}].content[${j}]`;
    if (block.type === 'tool_result') {
      toolMessages.push(toolMessage(block, param, toolImages));
      return;
    }
    const part = contentPart(block, param);
    if (part !== null) parts.push(part);
  });
  const all = [...toolImages, ...parts];
  if (all.length === 0) return toolMessages;
  const textOnly = all.every((part) => part.type === 'text');
  const content = textOnly ? all.map((part) => (part as { text: string }).text).join('\n') : all;
  return [...toolMessages, { role: 'user', content }];
}

/** A text or image block as an OpenAI content part; null for a block that is dropped. */
function contentPart(block: Block, param: string): ChatContentPart | null {
  if (block.type === 'text') {
    if (typeof block.text !== 'string') throw new RelayError('invalid_type', `Invalid type for '${param}.text': expected string.`, { param: `${param}.text` });
    return { type: 'text', text: block.text };
  }
  if (block.type === 'image') return { type: 'image_url', image_url: { url: imageUrl(block.source, `${param}.source`) } };
  if (DROPPED_BLOCKS.has(block.type)) return null;
  throw new RelayError('unsupported_value', `Content blocks of type '${block.type.slice(0, 40)}' are not supported by this gateway's Messages API.`, { param: `${param}.type` });
}

/** An image source as the URL OpenAI's `image_url` part takes. */
function imageUrl(source: unknown, param: string): string {
  const { type, media_type: mediaType, data, url } = (source ?? {}) as { type?: unknown; media_type?: unknown; data?: unknown; url?: unknown };
  if (type === 'base64' && typeof mediaType === 'string' && /^image\/[a-z0-9.+-]+$/i.test(mediaType) && typeof data === 'string') {
    return `data:${mediaType};base64,${data}`;
  }
  if (type === 'url' && typeof url === 'string' && /^https?:\/\//i.test(url)) return url;
  throw new RelayError('invalid_value', 'An image source must be base64 data with an image media_type, or an http(s) url.', { param });
}

/** A `tool_result` block as an OpenAI tool message; its images go to `images` (see toChatMessages). */
function toolMessage(block: Block, param: string, images: ChatContentPart[]): ChatMessage {
  if (typeof block.tool_use_id !== 'string' || block.tool_use_id === '') {
    throw new RelayError('missing_required_parameter', `Missing required parameter: '${param}.tool_use_id'.`, { param: `${param}.tool_use_id` });
  }
  const { content } = block;
  let text = '';
  if (typeof content === 'string') text = content;
  else if (Array.isArray(content)) {
    const texts: string[] = [];
    (content as Block[]).forEach((inner, k) => {
      const part = contentPart(inner, `${param}.content[${k}]`);
      if (part?.type === 'text') texts.push((part as { text: string }).text);
      else if (part !== null) images.push(part);
    });
    text = texts.join('\n');
  } else if (content !== undefined && content !== null) {
    throw new RelayError('invalid_type', `Invalid type for '${param}.content': expected string or array.`, { param: `${param}.content` });
  }
  return { role: 'tool', tool_call_id: block.tool_use_id, content: text };
}

function assistantMessage(blocks: Block[], i: number): ChatMessage {
  let text = '';
  const toolCalls: ChatToolCall[] = [];
  blocks.forEach((block, j) => {
    const param = `messages[${i}].content[${j}]`;
    if (block.type === 'tool_use') {
      const { id, name, input } = block;
      if (typeof id !== 'string' || typeof name !== 'string' || typeof input !== 'object' || input === null || Array.isArray(input)) {
        throw new RelayError('invalid_value', 'A tool_use block needs a string id and name and an object input.', { param });
      }
      toolCalls.push({ id, type: 'function', function: { name, arguments: JSON.stringify(input) } });
      return;
    }
    const part = contentPart(block, param);
    if (part?.type === 'image_url') throw new RelayError('unsupported_value', 'Assistant turns may not hold images.', { param: `${param}.type` });
    if (part !== null) text += (part as { text: string }).text;
  });
  return { role: 'assistant', content: text === '' && toolCalls.length > 0 ? null : text, ...(toolCalls.length > 0 ? { tool_calls: toolCalls } : {}) };
}
