import { validateResponsesRequest } from '@proxystacks/shared/openai/validate-responses-request';
import type { Exchange } from '../http/exchange.ts';
import { parseJsonBody } from '../http/parse-json-body.ts';
import type { ChatSurface } from '../chat/chat-surface.ts';
import { forwardChatCompletion, type ChatCompletionsDeps } from '../chat/forward-chat-completion.ts';
import { renderResponseJson } from '../responses/render-response-json.ts';
import { responseContext } from '../responses/response-object.ts';
import { ResponseStreamRenderer } from '../responses/response-stream-renderer.ts';
import { withResponsesParam } from '../responses/responses-param.ts';
import { toChatRequest, type MessageSource } from '../responses/to-chat-request.ts';
import { serveMeteredRequest } from './metered-request.ts';

/**
 * `POST /v1/responses` (OpenAI's Responses API), stateless, onto any upstream: authenticate →
 * read and validate the body (features needing stored state, such as `previous_response_id`,
 * are refused with 400 and their `param`) → translate to a chat completion → the chat route's
 * routing, fallback, admission and metering (forwardChatCompletion) → the answer re-rendered
 * as a `response` object or as the Responses stream's typed events → one event.
 *
 * The event has the same columns as a chat completion's (alias, tokens, cost, stream end); the
 * response id is `resp_<hex>` for the request id `req_<hex>`, so a client's response id finds
 * its event.
 */
export async function serveResponses(ex: Exchange, deps: ChatCompletionsDeps): Promise<void> {
  await serveMeteredRequest(ex, deps, async (metered) => {
    const request = validateResponsesRequest(parseJsonBody(await ex.readBody(deps.maxBodyBytes, metered.bodyLease)));
    metered.record.streamed = request.stream === true;
    const context = responseContext(ex.requestId, ex.arrivedAt, request, () => metered.record.usage);
    const surface: ChatSurface = {
      renderJson: (completion) => renderResponseJson(completion, context),
      streamRenderer: () => new ResponseStreamRenderer(context),
    };
    const sources: MessageSource[] = [];
    const chat = toChatRequest(request, sources);
    try {
      await forwardChatCompletion(ex, deps, metered, chat, surface);
    } catch (err) {
      // An adapter's refusal names the chat request's field: say it in the client's terms.
      throw withResponsesParam(err, sources);
    }
  });
}
