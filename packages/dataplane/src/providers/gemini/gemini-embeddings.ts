import { RelayError } from '@proxystacks/shared/errors/relay-error';
import type { EmbeddingRequest } from '@proxystacks/shared/openai/embeddings-wire';
import type { CompiledDeployment } from '../../snapshot/compiled-snapshot.ts';
import { embeddingInputs } from '../embedding-inputs.ts';
import { invalidEmbeddingsAnswer } from '../openai-embeddings.ts';

/**
 * Gemini's `batchEmbedContents` wire: one `EmbedContentRequest` per input, answered by
 * `{"embeddings":[{"values":[…]}]}` in request order, without token counts.
 * Reference: https://ai.google.dev/api/embeddings
 */
export interface GeminiEmbedContentRequest {
  /** The model's resource name again (`models/x`); it must match the one in the URL. */
  model: string;
  content: { parts: Array<{ text: string }> };
  outputDimensionality?: number;
}

export interface GeminiBatchEmbedRequest {
  requests: GeminiEmbedContentRequest[];
}

export interface GeminiBatchEmbedResponse {
  embeddings?: Array<{ values?: unknown }>;
  /** Not sent by the Gemini API today; read when present rather than estimating. */
  usageMetadata?: { promptTokenCount?: number };
}

/** Inputs per `batchEmbedContents` call: the API refuses more ("at most 100 requests can be in one batch"). */
export const GEMINI_EMBED_BATCH_MAX = 100;

/**
 * The request as Gemini batches of at most GEMINI_EMBED_BATCH_MAX inputs. Token-id inputs are
 * refused (400 `unsupported_value`, param `input`): they are ids of OpenAI's tokenizer, which
 * mean nothing to Gemini. `dimensions` becomes `outputDimensionality`; `user` is not sent
 * (Gemini has no such field).
 */
export function toGeminiEmbedBatches(request: EmbeddingRequest, resource: string): GeminiBatchEmbedRequest[] {
  const inputs = embeddingInputs(request.input);
  const batches: GeminiBatchEmbedRequest[] = [];
  for (let start = 0; start < inputs.length; start += GEMINI_EMBED_BATCH_MAX) {
    const requests = inputs.slice(start, start + GEMINI_EMBED_BATCH_MAX).map((input): GeminiEmbedContentRequest => {
      if (typeof input !== 'string') {
        throw new RelayError('unsupported_value', "Unsupported value: 'input' as token ids is not supported with Gemini models; send text.", { param: 'input' });
      }
      return { model: resource, content: { parts: [{ text: input }] }, ...(typeof request.dimensions === 'number' ? { outputDimensionality: request.dimensions } : {}) };
    });
    batches.push({ requests });
  }
  return batches;
}

/** The vectors of one batch answer, checked: as many as were asked for, each an array of numbers. */
export function fromGeminiEmbedBatch(response: GeminiBatchEmbedResponse, expected: number, deployment: CompiledDeployment): number[][] {
  const embeddings = response?.embeddings;
  if (!Array.isArray(embeddings) || embeddings.length !== expected) throw invalidEmbeddingsAnswer(deployment, 'a vector count that does not match the inputs');
  return embeddings.map((embedding) => {
    const values = embedding?.values;
    if (!Array.isArray(values) || !values.every((v) => typeof v === 'number')) throw invalidEmbeddingsAnswer(deployment, 'malformed vectors');
    return values as number[];
  });
}
