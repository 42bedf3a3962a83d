import { RelayError } from '@proxystacks/shared/errors/relay-error';
import type {
  AnthropicContentBlockParam,
  AnthropicImageBlock,
  AnthropicImageMediaType,
  AnthropicMessageParam,
  AnthropicTextBlock,
  AnthropicToolResultBlock,
  AnthropicToolUseBlock,
} from '@proxystacks/shared/anthropic/messages-wire';
import type { ChatContentPart, ChatMessage } from '@proxystacks/shared/openai/wire';

/** An OpenAI conversation as Anthropic takes it: the system prompt apart, roles alternating. */
export interface AnthropicConversation {
  system: AnthropicTextBlock[];
  messages: AnthropicMessageParam[];
}

const IMAGE_MEDIA_TYPES: ReadonlySet<string> = new Set<AnthropicImageMediaType>(['image/jpeg', 'image/png', 'image/gif', 'image/webp']);

/**
 * Translates OpenAI chat messages into an Anthropic conversation:
 * - `system` and `developer` messages, wherever they are, go to the top-level system prompt in
 *   order (Anthropic has no system role inside `messages`);
 * - `tool` messages become `tool_result` blocks of a user message;
 * - consecutive messages of the same role are merged into one, because Anthropic requires
 *   user and assistant to alternate (so parallel tool results become one user message), and
 *   in a user message the `tool_result` blocks go first, as Anthropic requires;
 * - empty text is dropped (Anthropic rejects empty text blocks), and so is a message left empty.
 * Bad input is refused with the OpenAI `param` path of the offending value.
 */
export function toAnthropicConversation(messages: readonly ChatMessage[]): AnthropicConversation {
  const system: AnthropicTextBlock[] = [];
  const out: Array<{ role: 'user' | 'assistant'; content: AnthropicContentBlockParam[] }> = [];
  const push = (role: 'user' | 'assistant', blocks: AnthropicContentBlockParam[]) => {
    if (blocks.length === 0) return;
    const last = out.at(-1);
    if (last?.role === role) last.content.push(...blocks);
    else out.push({ role, content: blocks });
  };
  messages.forEach((message, i) => {
    switch (message.role) {
      case 'system':
      case 'developer':
        system.push(...systemBlocks(message.content, i));
        break;
      case 'user':
        push('user', userBlocks(message.content, `messages[${i}].content`));
        break;
      case 'assistant':
        push('assistant', assistantBlocks(message, i));
        break;
      case 'tool':
        push('user', [toolResultBlock(message, i)]);
        break;
      default:
        throw new RelayError('unsupported_value', `Messages with role '${String(message.role).slice(0, 40)}' are not supported by Anthropic models.`, { param: `messages[${i}].role` });
    }
  });
  for (const message of out) {
    if (message.role === 'user') message.content.sort((a, b) => Number(b.type === 'tool_result') - Number(a.type === 'tool_result'));
  }
  return { system, messages: out };
}

function systemBlocks(content: ChatMessage['content'], i: number): AnthropicTextBlock[] {
  return userBlocks(content, `messages[${i}].content`).map((block, j) => {
    if (block.type !== 'text') throw new RelayError('unsupported_value', 'A system message may only hold text for Anthropic models.', { param: `messages[${i}].content[${j}]` });
    return block;
  });
}

/** Text and image parts; anything else (audio, files) is refused rather than dropped. */
function userBlocks(content: ChatMessage['content'], param: string): Array<AnthropicTextBlock | AnthropicImageBlock> {
  if (content === undefined || content === null) return [];
  if (typeof content === 'string') return content === '' ? [] : [{ type: 'text', text: content }];
  const blocks: Array<AnthropicTextBlock | AnthropicImageBlock> = [];
  content.forEach((part: ChatContentPart, j) => {
    if (part.type === 'text' && typeof part.text === 'string') {
      if (part.text !== '') blocks.push({ type: 'text', text: part.text });
    } else if (part.type === 'image_url') {
      const url = (part as { image_url?: { url?: unknown } }).image_url?.url;
      blocks.push(imageBlock(url, `${param}[${j}].image_url.url`));
    } else {
      throw new RelayError('unsupported_value', `Content parts of type '${String(part.type).slice(0, 40)}' are not supported by Anthropic models.`, { param: `${param}[${j}].type` });
    }
  });
  return blocks;
}

/**
 * An image part: a `data:` URL becomes an inline base64 source (percent-encoded data URLs are
 * re-encoded), an http(s) URL a URL source that Anthropic fetches itself.
 */
export function imageBlock(url: unknown, param: string): AnthropicImageBlock {
  if (typeof url !== 'string') throw new RelayError('invalid_type', 'An image_url part needs a string url.', { param });
  if (/^https?:\/\//i.test(url)) return { type: 'image', source: { type: 'url', url } };
  const match = /^data:([^;,]*)((?:;[^;,]*)*),/i.exec(url);
  if (match === null) throw new RelayError('invalid_value', 'An image URL must be an http(s) URL or a data: URL.', { param });
  let mediaType = match[1]!.toLowerCase();
  if (mediaType === 'image/jpg') mediaType = 'image/jpeg';
  if (!IMAGE_MEDIA_TYPES.has(mediaType)) {
    throw new RelayError('invalid_value', 'Anthropic models accept JPEG, PNG, GIF and WebP images only.', { param });
  }
  const payload = url.slice(match[0].length);
  const base64 = /;base64$/i.test(match[2]!) ? payload.replace(/\s+/g, '') : percentDecoded(payload).toString('base64');
  return { type: 'image', source: { type: 'base64', media_type: mediaType as AnthropicImageMediaType, data: base64 } };
}

/** The bytes of a percent-encoded data URL payload (%XX is a byte, not UTF-8 as decodeURIComponent wants). */
function percentDecoded(payload: string): Buffer {
  return Buffer.from(payload.replace(/%([0-9a-f]{2})/gi, (_, hex: string) => String.fromCharCode(parseInt(hex, 16))), 'latin1');
}

function assistantBlocks(message: ChatMessage, i: number): Array<AnthropicTextBlock | AnthropicToolUseBlock> {
  const blocks: Array<AnthropicTextBlock | AnthropicToolUseBlock> = [];
  const { content } = message;
  if (typeof content === 'string') {
    if (content !== '') blocks.push({ type: 'text', text: content });
  } else if (Array.isArray(content)) {
    // Assistant parts are text or refusal; a refusal was said, so it stays as text.
    for (const part of content) {
      const text = part.type === 'text' ? part.text : part.type === 'refusal' ? part.refusal : undefined;
      if (typeof text === 'string' && text !== '') blocks.push({ type: 'text', text });
    }
  }
  (message.tool_calls ?? []).forEach((call, j) => {
    blocks.push({ type: 'tool_use', id: call.id, name: call.function.name, input: toolInput(call.function.arguments, `messages[${i}].tool_calls[${j}].function.arguments`) });
  });
  return blocks;
}

/** Anthropic takes a call's input as an object, OpenAI sends it as a JSON string. */
function toolInput(argumentsJson: unknown, param: string): Record<string, unknown> {
  if (argumentsJson === undefined || argumentsJson === '') return {};
  let input: unknown;
  try {
    input = typeof argumentsJson === 'string' ? JSON.parse(argumentsJson) : argumentsJson;
  } catch {
    throw new RelayError('invalid_value', 'Tool call arguments must be a JSON object.', { param });
  }
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new RelayError('invalid_value', 'Tool call arguments must be a JSON object.', { param });
  }
  return input as Record<string, unknown>;
}

function toolResultBlock(message: ChatMessage, i: number): AnthropicToolResultBlock {
  if (typeof message.tool_call_id !== 'string' || message.tool_call_id === '') {
    throw new RelayError('missing_required_parameter', "Missing required parameter: 'tool_call_id'.", { param: `messages[${i}].tool_call_id` });
  }
  const { content } = message;
  return {
    type: 'tool_result',
    tool_use_id: message.tool_call_id,
    content: typeof content === 'string' || content === null || content === undefined ? (content ?? '') : userBlocks(content, `messages[${i}].content`),
  };
}
