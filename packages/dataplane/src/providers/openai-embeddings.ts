import { RelayError } from '@proxystacks/shared/errors/relay-error';
import type { CompiledDeployment } from '../snapshot/compiled-snapshot.ts';
import type { UpstreamEmbeddings } from './provider-adapter.ts';

/**
 * Reads an OpenAI-wire embeddings answer (`{"data":[{"index","embedding"}],"model","usage"}`)
 * into one vector per input, ordered by `index`. An answer with the wrong number of vectors,
 * or vectors that are neither numbers nor a base64 string, is the upstream's failure
 * (`upstream_error`, 502): passing it on would hand the client embeddings for the wrong inputs.
 */
export function readOpenAIEmbeddings(body: Buffer, deployment: CompiledDeployment, inputCount: number): UpstreamEmbeddings {
  let parsed: { data?: unknown; model?: unknown; usage?: { prompt_tokens?: unknown } | null };
  try {
    parsed = JSON.parse(body.toString('utf8')) as typeof parsed;
  } catch {
    throw invalidEmbeddingsAnswer(deployment, 'invalid JSON');
  }
  const data = parsed?.data;
  if (!Array.isArray(data) || data.length !== inputCount) throw invalidEmbeddingsAnswer(deployment, 'a vector count that does not match the inputs');
  const vectors: Array<number[] | string> = new Array(inputCount);
  for (let position = 0; position < data.length; position++) {
    const item = data[position] as { index?: unknown; embedding?: unknown } | null;
    const index = typeof item?.index === 'number' ? item.index : position;
    const embedding = item?.embedding;
    const valid = typeof embedding === 'string' || (Array.isArray(embedding) && embedding.every((v) => typeof v === 'number'));
    if (!valid || !Number.isInteger(index) || index < 0 || index >= inputCount || vectors[index] !== undefined) throw invalidEmbeddingsAnswer(deployment, 'malformed vectors');
    vectors[index] = embedding as number[] | string;
  }
  const promptTokens = parsed.usage?.prompt_tokens;
  return {
    vectors,
    model: typeof parsed.model === 'string' && parsed.model !== '' ? parsed.model : deployment.upstreamModel,
    promptTokens: typeof promptTokens === 'number' && Number.isSafeInteger(promptTokens) && promptTokens >= 0 ? promptTokens : null,
  };
}

/** The upstream said 200 but its embeddings cannot be used; what was wrong goes in the message, never the body. */
export function invalidEmbeddingsAnswer(deployment: CompiledDeployment, what: string): RelayError {
  return new RelayError('upstream_error', `The upstream provider answered the embeddings request with ${what}.`, {
    attempts: [{ providerId: deployment.provider.id, upstreamModel: deployment.upstreamModel, code: 'upstream_error', upstreamStatus: 200 }],
  });
}
