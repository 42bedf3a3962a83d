import type { ChatUsage } from '@proxystacks/shared/openai/wire';
import { RelayError, isRelayError } from '@proxystacks/shared/errors/relay-error';
import { authenticate } from '../auth/authenticate.ts';
import type { ChatSurface } from '../chat/chat-surface.ts';
import { forwardChatCompletion, type ChatCompletionsDeps } from '../chat/forward-chat-completion.ts';
import type { Exchange } from '../http/exchange.ts';
import { parseJsonBody } from '../http/parse-json-body.ts';
import { MessagesStreamRenderer } from '../inbound/anthropic-messages/messages-stream-renderer.ts';
import { toAnthropicMessage } from '../inbound/anthropic-messages/to-anthropic-message.ts';
import { toChatRequest } from '../inbound/anthropic-messages/to-chat-request.ts';
import { validateMessagesRequest, type InboundMessagesRequest } from '../inbound/anthropic-messages/validate-messages-request.ts';
import { estimatePromptTokens, estimateTextTokens } from '../metering/estimate-tokens.ts';
import type { RequestRecord } from '../metering/request-record.ts';
import { keyDeployments } from '../routing/key-deployments.ts';
import { routeKey } from '../snapshot/compiled-snapshot.ts';
import { serveMeteredRequest } from './metered-request.ts';

/**
 * `POST /v1/messages`, Anthropic-compatible: the body is validated and translated into an
 * OpenAI chat request (inbound/anthropic-messages), then served exactly like a chat completion
 * (same routing, fallback, admission, metering, one event) onto any upstream, and the answer is
 * re-rendered as an Anthropic Message or Messages stream. The exchange was opened with the
 * Anthropic error wire and `x-api-key` (app.ts), so every refusal is in Anthropic's shape too.
 */
export async function serveMessages(ex: Exchange, deps: ChatCompletionsDeps): Promise<void> {
  await serveMeteredRequest(ex, deps, async (metered) => {
    const inbound = validateMessagesRequest(parseJsonBody(await ex.readBody(deps.maxBodyBytes, metered.bodyLease)));
    const request = toChatRequest(inbound);
    metered.record.streamed = request.stream === true;
    await forwardChatCompletion(ex, deps, metered, request, messagesSurface(ex, metered.record, inbound));
  });
}

/**
 * `POST /v1/messages/count_tokens`: the prompt's tokens as the gateway estimates them (o200k,
 * the same estimate metering falls back on), without calling an upstream. Authenticated and
 * checked against the key's aliases like a real request; not metered (nothing is generated).
 */
export async function serveCountTokens(ex: Exchange, deps: ChatCompletionsDeps): Promise<void> {
  const lease = deps.bodyBudget.lease();
  try {
    const snapshot = deps.snapshots.current();
    if (snapshot === null) throw new RelayError('not_ready', 'The gateway has not received its configuration yet. Retry shortly.');
    const key = authenticate(ex.authorization, snapshot, deps.keySecret);
    const inbound = validateMessagesRequest(parseJsonBody(await ex.readBody(deps.maxBodyBytes, lease)), { countTokens: true });
    keyDeployments(key, snapshot.routes.get(routeKey(key.orgId, inbound.model)), inbound.model);
    const chat = toChatRequest(inbound);
    const toolTokens = chat.tools === undefined ? 0 : await estimateTextTokens(JSON.stringify(chat.tools));
    ex.sendJson(200, JSON.stringify({ input_tokens: (await estimatePromptTokens(chat.messages)) + toolTokens }));
  } catch (err) {
    if (!isRelayError(err)) deps.logger.error({ requestId: ex.requestId, err }, 'unexpected error while counting tokens');
    ex.sendError(err);
  } finally {
    lease.release();
  }
}

/**
 * How `/v1/messages` answers: the message id is the request id (`msg_` + its hex), so a client
 * can quote either; usage is what the request is metered with (the provider's, or the
 * gateway's estimate when it sent none), so the client and the event agree.
 */
function messagesSurface(ex: Exchange, record: RequestRecord, inbound: InboundMessagesRequest): ChatSurface {
  const id = `msg_${ex.requestId.slice('req_'.length)}`;
  const metered = (): ChatUsage => {
    const usage = record.usage ?? { promptTokens: 0, completionTokens: 0, cachedTokens: 0, cacheWriteTokens: 0 };
    return { prompt_tokens: usage.promptTokens, completion_tokens: usage.completionTokens, total_tokens: usage.promptTokens + usage.completionTokens, prompt_tokens_details: { cached_tokens: usage.cachedTokens, cache_write_tokens: usage.cacheWriteTokens } };
  };
  return {
    renderJson(body) {
      const completion = JSON.parse(body.toString('utf8'));
      return Buffer.from(JSON.stringify(toAnthropicMessage(completion, id, completion.usage ?? metered(), inbound.stop_sequences)));
    },
    streamRenderer: () => new MessagesStreamRenderer({ id, requestId: ex.requestId, stopSequences: inbound.stop_sequences, meteredUsage: (outcome) => outcome.usage ?? metered() }),
  };
}
