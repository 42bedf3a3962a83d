/**
 * OpenAI's embeddings wire format (`POST /v1/embeddings`), as far as Relay reads or writes it.
 * Reference: https://platform.openai.com/docs/api-reference/embeddings/create
 */

/** One input: text, or text already tokenised (token ids of the model's tokenizer). */
export type EmbeddingInput = string | string[] | number[] | number[][];

/** The request body. Unknown fields are kept and passed to OpenAI-wire upstreams. */
export interface EmbeddingRequest {
  model: string;
  input: EmbeddingInput;
  /** `float` (default): arrays of numbers; `base64`: little-endian float32 bytes, base64-encoded. */
  encoding_format?: EmbeddingEncoding | null;
  /** Length of each vector, for models that can shorten theirs. */
  dimensions?: number | null;
  user?: string | null;
  [field: string]: unknown;
}

export type EmbeddingEncoding = 'float' | 'base64';

/** One vector of the answer, in the encoding the client asked for. */
export interface EmbeddingObject {
  object: 'embedding';
  index: number;
  embedding: number[] | string;
}

/** The response body; embeddings have input tokens only. */
export interface EmbeddingResponse {
  object: 'list';
  data: EmbeddingObject[];
  model: string;
  usage: { prompt_tokens: number; total_tokens: number };
}
