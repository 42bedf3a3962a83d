import { RelayError } from '../errors/relay-error.ts';
import type { ResponsesRequest } from './responses-wire.ts';
import { invalidType, invalidValue, missingParameter } from './param-errors.ts';
import { CHAT_REQUEST_LIMITS } from './validate-request.ts';

/**
 * Validation of a Responses API request (`POST /v1/responses`) before Relay translates it to a
 * chat completion. Unlike chat completions, nothing passes through unseen: every field is
 * translated, so a field Relay does not know is refused (`unknown_parameter`, as OpenAI does)
 * rather than silently dropped, and features that need state Relay does not keep (stored
 * responses, conversations, built-in tools) are refused with `unsupported_parameter` or
 * `unsupported_value` and the offending `param`, so a client learns at once what to change.
 */

/** Fields translated to chat completions (or, for `store`/`metadata`/`include`, handled here). */
const SUPPORTED = new Set([
  'model', 'input', 'instructions', 'tools', 'tool_choice', 'parallel_tool_calls', 'text', 'max_output_tokens', 'temperature', 'top_p',
  'stream', 'store', 'metadata', 'user', 'safety_identifier', 'prompt_cache_key', 'service_tier', 'reasoning', 'truncation', 'include', 'stream_options',
]);

/** OpenAI fields that need state or tools Relay does not have: refused unless null/false, with the reason. */
const UNSUPPORTED: Record<string, string> = {
  previous_response_id: 'Relay does not store responses, so previous_response_id is not supported: send the whole conversation in input instead.',
  conversation: 'Relay does not store conversations: send the whole conversation in input instead.',
  background: 'Background responses are not supported by Relay.',
  prompt: 'Stored prompt templates are not supported by Relay: send instructions and input instead.',
  top_logprobs: 'top_logprobs is not supported on /v1/responses by Relay.',
  max_tool_calls: 'max_tool_calls applies to built-in tools, which Relay does not support.',
  context_management: 'context_management is not supported by Relay.',
  prompt_cache_retention: 'prompt_cache_retention is not supported by Relay.',
};

const ROLES = new Set(['user', 'assistant', 'system', 'developer']);
const DETAILS = new Set(['low', 'high', 'auto']);
const METADATA_MAX_PAIRS = 16;

type Json = Record<string, unknown>;

/**
 * Validates a parsed JSON body as a Responses request: throws RelayError with `param` set to the
 * offending path (`input[2].content[0].image_url`), in OpenAI's wording.
 */
export function validateResponsesRequest(body: unknown): ResponsesRequest {
  if (!isObject(body)) throw new RelayError('invalid_type', 'The request body must be a JSON object.', { param: null });
  for (const [field, value] of Object.entries(body)) {
    if (SUPPORTED.has(field)) continue;
    const reason = UNSUPPORTED[field];
    if (reason === undefined) throw new RelayError('unknown_parameter', `Unknown parameter: '${field}'.`, { param: field });
    if (value !== null && value !== undefined && value !== false) throw new RelayError('unsupported_parameter', reason, { param: field });
  }
  requireString(body, 'model', 'model', 256);
  if (body.input === undefined) throw missingParameter('input');
  if (typeof body.input !== 'string') checkInput(body.input);
  optional(body.instructions, 'instructions', 'a string', (v) => typeof v === 'string');
  if (body.tools !== undefined) checkTools(body.tools);
  if (body.tool_choice !== undefined) checkToolChoice(body.tool_choice);
  optional(body.parallel_tool_calls, 'parallel_tool_calls', 'a boolean', (v) => typeof v === 'boolean');
  if (body.text !== undefined && body.text !== null) checkText(body.text);
  optional(body.max_output_tokens, 'max_output_tokens', 'an integer', Number.isSafeInteger);
  if (typeof body.max_output_tokens === 'number' && body.max_output_tokens < 1) throw invalidValue('max_output_tokens', 'expected a value >= 1');
  numberIn(body.temperature, 'temperature', 2);
  numberIn(body.top_p, 'top_p', 1);
  optional(body.stream, 'stream', 'a boolean', (v) => typeof v === 'boolean');
  optional(body.store, 'store', 'a boolean', (v) => typeof v === 'boolean');
  if (body.metadata !== undefined && body.metadata !== null) checkMetadata(body.metadata);
  for (const field of ['user', 'safety_identifier', 'prompt_cache_key', 'service_tier']) optional(body[field], field, 'a string', (v) => typeof v === 'string');
  optional(body.reasoning, 'reasoning', 'an object', isObject);
  optional(body.stream_options, 'stream_options', 'an object', isObject);
  if (body.truncation !== undefined && body.truncation !== null && body.truncation !== 'auto' && body.truncation !== 'disabled') throw invalidValue('truncation', "expected 'auto' or 'disabled'");
  optional(body.include, 'include', 'an array of strings', (v) => Array.isArray(v) && v.every((s) => typeof s === 'string'));
  return body as unknown as ResponsesRequest;
}

function checkInput(input: unknown): void {
  if (!Array.isArray(input)) throw invalidType('input', 'a string or an array of input items');
  if (input.length === 0) throw invalidValue('input', 'expected at least one input item');
  tooLong('input', input.length, CHAT_REQUEST_LIMITS.maxMessages);
  let parts = 0;
  input.forEach((item: unknown, i) => {
    const at = `input[${i}]`;
    if (!isObject(item)) throw invalidType(at, 'an object');
    const type = item.type ?? (item.role === undefined ? undefined : 'message');
    switch (type) {
      case 'message':
        parts += checkMessage(item, at);
        if (parts > CHAT_REQUEST_LIMITS.maxContentPartsTotal) {
          throw new RelayError('array_above_max_length', `Invalid 'input': more than ${CHAT_REQUEST_LIMITS.maxContentPartsTotal} content parts in all.`, { param: 'input' });
        }
        return;
      case 'function_call':
        requireString(item, 'call_id', `${at}.call_id`);
        requireString(item, 'name', `${at}.name`);
        if (typeof item.arguments !== 'string') throw invalidType(`${at}.arguments`, 'a string');
        return;
      case 'function_call_output':
        requireString(item, 'call_id', `${at}.call_id`);
        checkCallOutput(item.output, `${at}.output`);
        return;
      case 'reasoning':
        return;
      case 'item_reference':
        throw new RelayError('unsupported_value', 'Relay does not store items, so item_reference cannot be resolved: send the item itself.', { param: `${at}.type` });
      case undefined:
        throw missingParameter(`${at}.type`);
      default:
        throw new RelayError('unsupported_value', `Input items of type '${String(type).slice(0, 64)}' are not supported by Relay.`, { param: `${at}.type` });
    }
  });
}

/** Checks one message item; returns how many content parts it has. */
function checkMessage(item: Json, at: string): number {
  if (typeof item.role !== 'string' || !ROLES.has(item.role)) {
    if (item.role === undefined) throw missingParameter(`${at}.role`);
    throw invalidValue(`${at}.role`, "expected 'user', 'assistant', 'system' or 'developer'");
  }
  if (typeof item.content === 'string') return 0;
  if (!Array.isArray(item.content)) throw invalidType(`${at}.content`, 'a string or an array');
  tooLong(`${at}.content`, item.content.length, CHAT_REQUEST_LIMITS.maxContentPartsPerMessage);
  item.content.forEach((part: unknown, j) => checkContentPart(part, `${at}.content[${j}]`, item.role === 'assistant'));
  return item.content.length;
}

function checkContentPart(part: unknown, at: string, assistant: boolean): void {
  if (!isObject(part)) throw invalidType(at, 'an object');
  switch (part.type) {
    case 'input_text':
    case 'output_text':
      if (typeof part.text !== 'string') throw invalidType(`${at}.text`, 'a string');
      return;
    case 'refusal':
      if (!assistant) throw invalidValue(`${at}.type`, 'refusal parts are only valid in assistant messages');
      if (typeof part.refusal !== 'string') throw invalidType(`${at}.refusal`, 'a string');
      return;
    case 'input_image':
      if (part.file_id !== undefined && part.file_id !== null) {
        throw new RelayError('unsupported_value', 'Relay does not host files: send the image as image_url (a data: URL or an http(s) URL).', { param: `${at}.file_id` });
      }
      requireString(part, 'image_url', `${at}.image_url`);
      if (part.detail !== undefined && part.detail !== null && !DETAILS.has(part.detail as string)) {
        throw new RelayError('unsupported_value', `Image detail '${String(part.detail).slice(0, 32)}' is not supported by Relay: use 'low', 'high' or 'auto'.`, { param: `${at}.detail` });
      }
      return;
    case 'input_file':
    case 'input_audio':
      throw new RelayError('unsupported_value', `Content parts of type '${part.type}' are not supported on /v1/responses by Relay.`, { param: `${at}.type` });
    default:
      if (part.type === undefined) throw missingParameter(`${at}.type`);
      throw invalidValue(`${at}.type`, "expected 'input_text', 'input_image', 'output_text' or 'refusal'");
  }
}

function checkCallOutput(output: unknown, at: string): void {
  if (typeof output === 'string') return;
  if (!Array.isArray(output)) throw invalidType(at, 'a string or an array');
  output.forEach((part: unknown, j) => {
    if (!isObject(part) || part.type !== 'input_text' || typeof part.text !== 'string') {
      throw new RelayError('unsupported_value', 'Function call outputs must be text (a string or input_text parts) on Relay.', { param: `${at}[${j}]` });
    }
  });
}

function checkTools(tools: unknown): void {
  if (!Array.isArray(tools)) throw invalidType('tools', 'an array');
  tooLong('tools', tools.length, CHAT_REQUEST_LIMITS.maxTools);
  tools.forEach((tool: unknown, i) => {
    const at = `tools[${i}]`;
    if (!isObject(tool)) throw invalidType(at, 'an object');
    if (tool.type === undefined) throw missingParameter(`${at}.type`);
    if (tool.type !== 'function') {
      throw new RelayError('unsupported_value', `Built-in tools such as '${String(tool.type).slice(0, 64)}' are not supported by Relay: only function tools are.`, { param: `${at}.type` });
    }
    requireString(tool, 'name', `${at}.name`, 64);
    optional(tool.description, `${at}.description`, 'a string', (v) => typeof v === 'string');
    optional(tool.parameters, `${at}.parameters`, 'an object', isObject);
    optional(tool.strict, `${at}.strict`, 'a boolean', (v) => typeof v === 'boolean');
  });
}

function checkToolChoice(choice: unknown): void {
  if (choice === 'none' || choice === 'auto' || choice === 'required') return;
  if (isObject(choice) && choice.type === 'function') return void requireString(choice, 'name', 'tool_choice.name');
  if (isObject(choice)) throw new RelayError('unsupported_value', "Only function tool choices are supported by Relay: 'none', 'auto', 'required' or {type:'function', name}.", { param: 'tool_choice' });
  throw invalidValue('tool_choice', "expected 'none', 'auto', 'required' or an object");
}

function checkText(text: unknown): void {
  if (!isObject(text)) throw invalidType('text', 'an object');
  if (text.verbosity !== undefined && text.verbosity !== null && !['low', 'medium', 'high'].includes(text.verbosity as string)) throw invalidValue('text.verbosity', "expected 'low', 'medium' or 'high'");
  const format = text.format;
  if (format === undefined || format === null) return;
  if (!isObject(format)) throw invalidType('text.format', 'an object');
  if (format.type === 'text' || format.type === 'json_object') return;
  if (format.type !== 'json_schema') throw invalidValue('text.format.type', "expected 'text', 'json_object' or 'json_schema'");
  requireString(format, 'name', 'text.format.name', 64);
  if (format.schema === undefined) throw missingParameter('text.format.schema');
  if (!isObject(format.schema)) throw invalidType('text.format.schema', 'an object');
  optional(format.description, 'text.format.description', 'a string', (v) => typeof v === 'string');
  optional(format.strict, 'text.format.strict', 'a boolean', (v) => typeof v === 'boolean');
}

/** OpenAI's limits: at most 16 pairs, keys up to 64 characters, string values up to 512. */
function checkMetadata(metadata: unknown): void {
  if (!isObject(metadata)) throw invalidType('metadata', 'an object');
  const entries = Object.entries(metadata);
  if (entries.length > METADATA_MAX_PAIRS) throw invalidValue('metadata', `expected at most ${METADATA_MAX_PAIRS} key-value pairs`);
  for (const [key, value] of entries) {
    if (key.length > 64) throw invalidValue('metadata', 'keys must be at most 64 characters');
    if (typeof value !== 'string') throw invalidType(`metadata.${key}`, 'a string');
    if ((value as string).length > 512) throw invalidValue(`metadata.${key}`, 'values must be at most 512 characters');
  }
}

function requireString(object: Json, field: string, param: string, maxLength = Infinity): void {
  const value = object[field];
  if (value === undefined || value === null) throw missingParameter(param);
  if (typeof value !== 'string') throw invalidType(param, 'a string');
  if ((value as string).length === 0) throw invalidValue(param, 'expected a non-empty string');
  if ((value as string).length > maxLength) throw invalidValue(param, `expected at most ${maxLength} characters`);
}

function optional(value: unknown, param: string, expected: string, ok: (value: unknown) => boolean): void {
  if (value !== undefined && value !== null && !ok(value)) throw invalidType(param, expected);
}

function numberIn(value: unknown, param: string, max: number): void {
  optional(value, param, 'a number', (v) => typeof v === 'number' && Number.isFinite(v));
  if (typeof value === 'number' && (value < 0 || value > max)) throw invalidValue(param, `expected a number between 0 and ${max}`);
}

function tooLong(param: string, length: number, max: number): void {
  if (length <= max) return;
  throw new RelayError('array_above_max_length', `Invalid '${param}': array too long. Expected an array with maximum length ${max}, but got an array with length ${length} instead.`, { param });
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
