import type { EmbeddingInput } from '@proxystacks/shared/openai/embeddings-wire';

/**
 * The inputs of an embeddings request one by one: each a text or an array of token ids
 * (OpenAI takes a single string, a single token array, or an array of either). The request
 * is already validated (validate-embeddings-request.ts).
 */
export function embeddingInputs(input: EmbeddingInput): Array<string | number[]> {
  if (typeof input === 'string') return [input];
  if (input.length > 0 && typeof input[0] === 'number') return [input as number[]];
  return input as Array<string | number[]>;
}
