import { RelayError } from '@proxystacks/shared/errors/relay-error';
import type { ChatContentPart, ChatMessage } from '@proxystacks/shared/openai/wire';
import type { GeminiContent, GeminiPart } from './gemini-wire.ts';
import { imagePartOf } from './image-part.ts';
import { signatureOfToolCallId } from './tool-call-ids.ts';

/** An OpenAI conversation in Gemini's shape. */
export interface GeminiConversation {
  systemInstruction?: { parts: GeminiPart[] };
  contents: GeminiContent[];
}

/**
 * OpenAI messages → Gemini `systemInstruction` + `contents`.
 * - `system` and `developer` messages become the system instruction (Gemini has one, not a role).
 * - `assistant` becomes `model`; its tool calls become `functionCall` parts (thought signature restored).
 * - `tool` results become `functionResponse` parts of a `user` turn, named after the call their
 *   `tool_call_id` answers (Gemini matches results to calls by name, not id).
 * - Consecutive turns of one role are merged, so the results of parallel calls answer them in
 *   one turn, as Gemini requires.
 */
export function toGeminiConversation(messages: readonly ChatMessage[]): GeminiConversation {
  const system: GeminiPart[] = [];
  const contents: GeminiContent[] = [];
  const callNames = new Map<string, string>();
  const push = (role: 'user' | 'model', parts: GeminiPart[]) => {
    if (parts.length === 0) return;
    const last = contents.at(-1);
    if (last !== undefined && last.role === role) last.parts.push(...parts);
    else contents.push({ role, parts });
  };
  messages.forEach((message, i) => {
    const param = `messages[${i}]`;
    switch (message.role) {
      case 'system':
      case 'developer':
        system.push(...userParts(message.content, param, true));
        break;
      case 'user':
        push('user', userParts(message.content, param, false));
        break;
      case 'assistant':
        push('model', assistantParts(message, param, callNames));
        break;
      case 'tool':
        push('user', [toolResultPart(message, param, callNames)]);
        break;
      default:
        throw new RelayError('invalid_value', `Invalid value for '${param}.role': '${String(message.role).slice(0, 40)}' cannot be sent to a Gemini model.`, { param: `${param}.role` });
    }
  });
  return { ...(system.length > 0 ? { systemInstruction: { parts: system } } : {}), contents };
}

function userParts(content: ChatMessage['content'], param: string, textOnly: boolean): GeminiPart[] {
  if (content === null || content === undefined) return [];
  if (typeof content === 'string') return content === '' ? [] : [{ text: content }];
  return content.map((part, j) => contentPart(part, `${param}.content[${j}]`, textOnly));
}

function contentPart(part: ChatContentPart, param: string, textOnly: boolean): GeminiPart {
  if (part.type === 'text' && typeof part.text === 'string') return { text: part.text };
  if (!textOnly && part.type === 'image_url') {
    const url = (part as { image_url?: { url?: unknown } }).image_url?.url;
    if (typeof url !== 'string') throw new RelayError('missing_required_parameter', `Missing required parameter: '${param}.image_url.url'.`, { param: `${param}.image_url.url` });
    return imagePartOf(url, `${param}.image_url.url`);
  }
  if (!textOnly && part.type === 'input_audio') {
    const audio = (part as { input_audio?: { data?: unknown; format?: unknown } }).input_audio;
    if (typeof audio?.data === 'string' && (audio.format === 'wav' || audio.format === 'mp3')) {
      return { inlineData: { mimeType: `audio/${audio.format}`, data: audio.data } };
    }
    throw new RelayError('invalid_value', `Invalid value for '${param}.input_audio': expected base64 data with format 'wav' or 'mp3'.`, { param: `${param}.input_audio` });
  }
  const type = typeof part.type === 'string' ? part.type.slice(0, 40) : '';
  throw new RelayError('invalid_value', `Invalid value for '${param}.type': '${type}' content cannot be sent to a Gemini model here.`, { param: `${param}.type` });
}

function assistantParts(message: ChatMessage, param: string, callNames: Map<string, string>): GeminiPart[] {
  const parts = userParts(message.content, param, true);
  (message.tool_calls ?? []).forEach((call, j) => {
    const callParam = `${param}.tool_calls[${j}]`;
    const name = call.function?.name;
    if (typeof name !== 'string' || name === '') throw new RelayError('missing_required_parameter', `Missing required parameter: '${callParam}.function.name'.`, { param: `${callParam}.function.name` });
    if (typeof call.id === 'string') callNames.set(call.id, name);
    const signature = typeof call.id === 'string' ? signatureOfToolCallId(call.id) : undefined;
    parts.push({ functionCall: { name, args: parseArguments(call.function.arguments, `${callParam}.function.arguments`) }, ...(signature === undefined ? {} : { thoughtSignature: signature }) });
  });
  return parts;
}

/** Gemini takes arguments as a JSON object; OpenAI history carries them as a JSON string. */
function parseArguments(text: unknown, param: string): Record<string, unknown> {
  if (text === undefined || text === null || text === '') return {};
  let value: unknown;
  try {
    value = JSON.parse(String(text));
  } catch {
    throw new RelayError('invalid_value', `Invalid value for '${param}': the arguments must be a JSON object.`, { param });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new RelayError('invalid_value', `Invalid value for '${param}': the arguments must be a JSON object.`, { param });
  }
  return value as Record<string, unknown>;
}

function toolResultPart(message: ChatMessage, param: string, callNames: Map<string, string>): GeminiPart {
  const id = message.tool_call_id;
  const name = typeof id === 'string' ? callNames.get(id) : undefined;
  if (name === undefined) {
    throw new RelayError('invalid_value', `Invalid value for '${param}.tool_call_id': it answers no tool call of an earlier assistant message.`, { param: `${param}.tool_call_id` });
  }
  const output = typeof message.content === 'string' ? message.content : userParts(message.content, param, true).map((p) => p.text).join('');
  return { functionResponse: { name, response: { output } } };
}
