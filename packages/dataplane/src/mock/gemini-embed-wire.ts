import type { IncomingMessage, ServerResponse } from 'node:http';
import type { GeminiBatchEmbedRequest, GeminiEmbedContentRequest } from '../providers/gemini/gemini-embeddings.ts';
import { GEMINI_EMBED_BATCH_MAX } from '../providers/gemini/gemini-embeddings.ts';
import { embeddingDirectives, mockEmbedding, MOCK_EMBEDDING_DIMENSIONS, MOCK_EMBEDDING_MAX_DIMENSIONS } from './mock-embeddings.ts';
import { refuseGeminiCaller, sendGeminiError, sendGeminiJson } from './gemini-wire.ts';

/**
 * The mock's Gemini embeddings: `POST /v1beta/models/{model}:embedContent` (one content,
 * answered `{"embedding":{"values"}}`) and `:batchEmbedContents` (answered
 * `{"embeddings":[{"values"}]}` in request order), with the same vectors as the mock's OpenAI
 * wire ({@link mockEmbedding}) and, like Gemini, no token counts. Refused as Gemini refuses:
 * the key checks of the generate methods, a batch request naming another model than the URL,
 * more than GEMINI_EMBED_BATCH_MAX requests, content without text.
 * Reference: https://ai.google.dev/api/embeddings
 */
export interface GeminiEmbedMethod {
  /** The model's resource name from the URL (`models/x`). */
  resource: string;
  batch: boolean;
}

const EMBED_PATH = /^\/v1(?:beta)?\/((?:models|tunedModels)\/[^/:]+):(embedContent|batchEmbedContents)$/;

/** The Gemini embeddings method a request path names, or null for any other path. */
export function geminiEmbedMethodOf(path: string): GeminiEmbedMethod | null {
  const match = EMBED_PATH.exec(path);
  return match === null ? null : { resource: decodeURIComponent(match[1]!), batch: match[2] === 'batchEmbedContents' };
}

export function serveGeminiEmbed(req: IncomingMessage, res: ServerResponse, method: GeminiEmbedMethod, bodyText: string): void {
  if (refuseGeminiCaller(req, res)) return;
  let body: Partial<GeminiBatchEmbedRequest & GeminiEmbedContentRequest>;
  try {
    body = JSON.parse(bodyText) as typeof body;
  } catch {
    return sendGeminiError(res, 400, 'Invalid JSON payload received.');
  }
  const requests = method.batch ? body?.requests : [{ ...body, model: body?.model ?? method.resource } as GeminiEmbedContentRequest];
  if (!Array.isArray(requests) || requests.length === 0) return sendGeminiError(res, 400, '* BatchEmbedContentsRequest.requests: requests is not specified');
  if (requests.length > GEMINI_EMBED_BATCH_MAX) return sendGeminiError(res, 400, `* BatchEmbedContentsRequest.requests: at most ${GEMINI_EMBED_BATCH_MAX} requests can be in one batch.`);
  const texts: string[] = [];
  for (const [i, request] of requests.entries()) {
    if (request?.model !== method.resource) return sendGeminiError(res, 400, `Model in request ${i} does not match the model in the URL.`);
    const text = request.content?.parts?.map((part) => part.text ?? '').join('') ?? '';
    if (text === '') return sendGeminiError(res, 400, `* BatchEmbedContentsRequest.requests[${i}].content: contents must not be empty.`);
    const dimensions = request.outputDimensionality ?? MOCK_EMBEDDING_DIMENSIONS;
    if (!Number.isInteger(dimensions) || dimensions < 1 || dimensions > MOCK_EMBEDDING_MAX_DIMENSIONS) return sendGeminiError(res, 400, `outputDimensionality ${String(dimensions)} is out of range.`);
    texts.push(text);
  }
  const directives = embeddingDirectives(texts);
  if (directives.failStatus !== null) return sendGeminiError(res, directives.failStatus, `The mock provider was told to fail with ${directives.failStatus}.`);
  const embeddings = requests.map((request, i) => ({ values: mockEmbedding(texts[i]!, request.outputDimensionality ?? MOCK_EMBEDDING_DIMENSIONS) }));
  sendGeminiJson(res, 200, method.batch ? { embeddings } : { embedding: embeddings[0] });
}
