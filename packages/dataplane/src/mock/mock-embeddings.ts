import { createHash } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { estimateTextTokens } from '../metering/estimate-tokens.ts';
import { floatsToBase64 } from '../providers/vector-encoding.ts';
import { parseMockDirectives, type MockDirectives } from './mock-directives.ts';
import { errorBody, json } from './mock-upstream.ts';

/** Length of the mock's vectors when the request names none (OpenAI's text-embedding-3-small has 1536; short keeps tests light). */
export const MOCK_EMBEDDING_DIMENSIONS = 64;

/** Longest vector the mock makes (OpenAI's largest model, text-embedding-3-large). */
export const MOCK_EMBEDDING_MAX_DIMENSIONS = 3_072;

/**
 * The mock's embedding of one input: deterministic (SHA-256 of the input, stretched in counter
 * mode to MOCK_EMBEDDING_MAX_DIMENSIONS values in [-1, 1]), cut to `dimensions` and scaled to
 * unit length, as OpenAI shortens its embeddings. Values are float32, as real providers' are,
 * so a base64 round trip gives back exactly the same numbers. Both the OpenAI and the Gemini
 * wire use it: the same input gives the same vector through either adapter.
 */
export function mockEmbedding(input: string | readonly number[], dimensions: number): number[] {
  const seed = createHash('sha256').update(typeof input === 'string' ? `text:${input}` : `tokens:${input.join(',')}`).digest();
  const values: number[] = [];
  for (let block = 0; values.length < dimensions; block++) {
    const bytes = createHash('sha256').update(seed).update(String(block)).digest();
    for (let i = 0; i + 2 <= bytes.length && values.length < dimensions; i += 2) values.push(bytes.readUInt16LE(i) / 32_767.5 - 1);
  }
  const norm = Math.hypot(...values) || 1;
  return values.map((value) => Math.fround(value / norm));
}

/** Directives ride in the inputs' text (every one of them is read), as they ride in a chat prompt. */
export function embeddingDirectives(texts: readonly string[]): MockDirectives {
  return parseMockDirectives(texts.join(' '));
}

interface OpenAIEmbeddingBody {
  model?: unknown;
  input?: unknown;
  encoding_format?: unknown;
  dimensions?: unknown;
}

/**
 * `POST /v1/embeddings` on the mock's OpenAI wire: vectors from {@link mockEmbedding},
 * `dimensions` honoured (400 past MOCK_EMBEDDING_MAX_DIMENSIONS, as OpenAI refuses what a model
 * cannot do), base64 when asked for (unless `mock:floats-only`), and usage counted with the
 * project's tokenizer (token-id inputs count their ids). `mock:fail=<status>` in any input
 * answers that error.
 */
export async function serveOpenAIEmbeddings(res: ServerResponse, bodyText: string): Promise<void> {
  let body: OpenAIEmbeddingBody;
  try {
    body = JSON.parse(bodyText) as OpenAIEmbeddingBody;
  } catch {
    return error(res, 400, 'The mock provider could not parse the request body as JSON.', 'invalid_json', null);
  }
  const inputs = inputsOf(body?.input);
  if (typeof body?.model !== 'string' || inputs === null) return error(res, 400, "'model' and a non-empty 'input' are required.", 'missing_required_parameter', 'input');
  const dimensions = body.dimensions ?? MOCK_EMBEDDING_DIMENSIONS;
  if (typeof dimensions !== 'number' || !Number.isInteger(dimensions) || dimensions < 1 || dimensions > MOCK_EMBEDDING_MAX_DIMENSIONS) {
    return error(res, 400, `This model does not support ${String(dimensions)} dimensions.`, 'invalid_value', 'dimensions');
  }
  const texts = inputs.filter((input): input is string => typeof input === 'string');
  const directives = embeddingDirectives(texts);
  if (directives.failStatus !== null) return error(res, directives.failStatus, `The mock provider was told to fail with ${directives.failStatus}.`, `mock_${directives.failStatus}`, null);
  const base64 = body.encoding_format === 'base64' && directives.floatsOnly !== true;
  let promptTokens = 0;
  for (const input of inputs) promptTokens += typeof input === 'string' ? await estimateTextTokens(input) : input.length;
  const data = inputs.map((input, index) => {
    const vector = mockEmbedding(input, dimensions);
    return { object: 'embedding', index, embedding: base64 ? floatsToBase64(vector) : vector };
  });
  json(res, 200, { object: 'list', data, model: body.model, usage: { prompt_tokens: promptTokens, total_tokens: promptTokens } });
}

/** OpenAI's input forms as a list; null when missing or empty. */
function inputsOf(input: unknown): Array<string | number[]> | null {
  if (typeof input === 'string') return input === '' ? null : [input];
  if (!Array.isArray(input) || input.length === 0) return null;
  if (typeof input[0] === 'number') return [input as number[]];
  return input as Array<string | number[]>;
}

function error(res: ServerResponse, status: number, message: string, code: string, param: string | null): void {
  const type = status === 429 ? 'rate_limit_error' : status < 500 ? 'invalid_request_error' : 'server_error';
  json(res, status, errorBody(message, type, code, param));
}
