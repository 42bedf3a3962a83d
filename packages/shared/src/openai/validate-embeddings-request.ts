import { RelayError } from '../errors/relay-error.ts';
import type { EmbeddingRequest } from './embeddings-wire.ts';
import { invalidType, invalidValue, missingParameter } from './param-errors.ts';

/** OpenAI's own limit on inputs per request (`array_above_max_length` past it). */
export const EMBEDDING_MAX_INPUTS = 2_048;

/**
 * Validates a parsed JSON body as an embeddings request, the fields Relay acts on precisely
 * (`model`, `input`, `encoding_format`, `dimensions`, `user`); unknown fields pass through for
 * the upstream to judge. Throws RelayError with `param` naming the offending field
 * (`input[3]`), the way OpenAI reports it. Elements are checked by hand, not by a schema
 * library, so a bad 2,048-element input costs one pass and one error.
 */
export function validateEmbeddingRequest(body: unknown): EmbeddingRequest {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new RelayError('invalid_type', 'The request body must be a JSON object.', { param: null });
  }
  const request = body as Record<string, unknown>;
  const model = request.model;
  if (model === undefined || model === null) throw missingParameter('model');
  if (typeof model !== 'string') throw invalidType('model', 'a string');
  if (model.length === 0 || model.length > 256) throw invalidValue('model', 'expected a model name of 1 to 256 characters');
  checkInput(request.input);
  const format = request.encoding_format;
  if (format !== undefined && format !== null && format !== 'float' && format !== 'base64') {
    throw invalidValue('encoding_format', "expected 'float' or 'base64'");
  }
  const dimensions = request.dimensions;
  if (dimensions !== undefined && dimensions !== null) {
    if (typeof dimensions !== 'number') throw invalidType('dimensions', 'an integer');
    if (!Number.isSafeInteger(dimensions) || dimensions < 1) throw invalidValue('dimensions', 'expected an integer of at least 1');
  }
  const user = request.user;
  if (user !== undefined && user !== null && typeof user !== 'string') throw invalidType('user', 'a string');
  return request as EmbeddingRequest;
}

/** A string, an array of strings, an array of token ids, or an array of arrays of token ids; nothing empty. */
function checkInput(input: unknown): void {
  if (input === undefined || input === null) throw missingParameter('input');
  if (typeof input === 'string') {
    if (input.length === 0) throw invalidValue('input', 'expected a non-empty string');
    return;
  }
  if (!Array.isArray(input)) throw invalidType('input', 'a string, an array of strings, or an array of token arrays');
  if (input.length === 0) throw invalidValue('input', 'expected at least one input');
  if (input.length > EMBEDDING_MAX_INPUTS) {
    throw new RelayError('array_above_max_length', `Invalid 'input': at most ${EMBEDDING_MAX_INPUTS} inputs per request.`, { param: 'input' });
  }
  const first = input[0];
  if (typeof first === 'number') return checkTokens(input, 'input');
  for (let i = 0; i < input.length; i++) {
    const item: unknown = input[i];
    const param = `input[${i}]`;
    if (typeof first === 'string') {
      if (typeof item !== 'string') throw invalidType(param, 'a string (all inputs must have the same type)');
      if (item.length === 0) throw invalidValue(param, 'expected a non-empty string');
    } else if (Array.isArray(item)) {
      if (item.length === 0) throw invalidValue(param, 'expected at least one token');
      checkTokens(item, param);
    } else {
      throw invalidType(param, 'a string, a token id or an array of token ids');
    }
  }
}

function checkTokens(tokens: readonly unknown[], param: string): void {
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i];
    if (typeof token !== 'number' || !Number.isSafeInteger(token) || token < 0) throw invalidType(`${param}[${i}]`, 'a non-negative integer token id');
  }
}
