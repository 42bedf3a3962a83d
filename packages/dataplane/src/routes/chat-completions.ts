import { RelayError } from '@proxystacks/shared/errors/relay-error';
import type { ChatCompletionRequest } from '@proxystacks/shared/openai/wire';
import { validateChatRequest } from '@proxystacks/shared/openai/validate-request';
import type { Exchange } from '../http/exchange.ts';
import { scanJsonShape } from '../http/scan-json-shape.ts';
import { forwardChatCompletion, type ChatCompletionsDeps } from '../chat/forward-chat-completion.ts';
import { serveMeteredRequest } from './metered-request.ts';

export type { ChatCompletionsDeps } from '../chat/forward-chat-completion.ts';

/**
 * `POST /v1/chat/completions`: authenticate → read and validate the body → resolve the alias →
 * try its deployments in order → answer (JSON or SSE) → meter → one event. Every path,
 * including refusals and failures, ends in exactly one event.
 */
export function serveChatCompletion(ex: Exchange, deps: ChatCompletionsDeps): Promise<void> {
  // Its promise as is: an async wrapper around it would cost every request a frame and an await.
  return serveMeteredRequest(ex, deps, async (metered) => {
    const body = await ex.readBody(deps.maxBodyBytes, metered.bodyLease);
    const request = parseRequest(body);
    metered.record.streamed = request.stream === true;
    await forwardChatCompletion(ex, deps, metered, request, {}, body);
  });
}

function parseRequest(body: Buffer): ChatCompletionRequest {
  // Depth and size first, in one pass over the bytes: JSON.parse and the re-serialisation for
  // the upstream are recursive and superlinear on hostile shapes (issue 6).
  scanJsonShape(body);
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    throw new RelayError(
      'invalid_json',
      'We could not parse the JSON body of your request. (HINT: This likely means you aren’t using your HTTP library correctly. The body must be JSON.)',
    );
  }
  return validateChatRequest(parsed);
}
