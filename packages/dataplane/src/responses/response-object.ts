import type { ChatUsage } from '@proxystacks/shared/openai/wire';
import type { ResponseObject, ResponseOutputItem, ResponsesRequest, ResponseStatus, ResponseUsage } from '@proxystacks/shared/openai/responses-wire';
import type { TokenUsage } from '@proxystacks/shared/pricing/price-request';

/** What every rendering of one response shares: its id and time, the request it answers, and the metered usage. */
export interface ResponseContext {
  /** `resp_<hex>` where the request id is `req_<hex>`: a client's response id finds its event. */
  readonly id: string;
  /** Unix seconds of arrival. */
  readonly createdAt: number;
  readonly request: ResponsesRequest;
  /** The usage the request is metered and priced with (set before the final bytes are rendered). */
  meteredUsage(): TokenUsage | null;
}

/** The context for the request `requestId` (`req_<hex>`), arrived at `arrivedAtMs`. */
export function responseContext(requestId: string, arrivedAtMs: number, request: ResponsesRequest, meteredUsage: () => TokenUsage | null): ResponseContext {
  return { id: `resp_${requestId.replace(/^req_/, '')}`, createdAt: Math.floor(arrivedAtMs / 1000), request, meteredUsage };
}

/** Ids of output items: derived from the response id, so they are unique and stable across renderings. */
export function outputItemId(context: ResponseContext, kind: 'msg' | 'fc', outputIndex: number): string {
  return `${kind}_${context.id.slice(5)}_${outputIndex}`;
}

/** A chat finish reason as a response status: `length` and `content_filter` leave the response incomplete. */
export function statusOf(finishReason: string): Pick<ResponseObject, 'status' | 'incomplete_details'> {
  if (finishReason === 'length') return { status: 'incomplete', incomplete_details: { reason: 'max_output_tokens' } };
  if (finishReason === 'content_filter') return { status: 'incomplete', incomplete_details: { reason: 'content_filter' } };
  return { status: 'completed', incomplete_details: null };
}

/**
 * The `response` object with the request's settings echoed, as OpenAI returns them (defaults
 * filled in). `store` is always false: Relay keeps no responses.
 */
export function responseObject(context: ResponseContext, model: string, status: ResponseStatus, output: ResponseOutputItem[], usage: ResponseUsage | null): ResponseObject {
  const { request } = context;
  return {
    id: context.id,
    object: 'response',
    created_at: context.createdAt,
    status,
    completed_at: status === 'completed' ? Math.floor(Date.now() / 1000) : null,
    error: null,
    incomplete_details: null,
    instructions: request.instructions ?? null,
    max_output_tokens: request.max_output_tokens ?? null,
    model,
    output,
    parallel_tool_calls: request.parallel_tool_calls ?? true,
    previous_response_id: null,
    reasoning: { effort: request.reasoning?.effort ?? null, summary: request.reasoning?.summary ?? null },
    store: false,
    temperature: request.temperature ?? null,
    text: { format: request.text?.format ?? { type: 'text' }, ...(request.text?.verbosity ? { verbosity: request.text.verbosity } : {}) },
    tool_choice: request.tool_choice ?? 'auto',
    tools: (request.tools ?? []).map((tool) => ({ ...tool, parameters: tool.parameters ?? null, strict: tool.strict ?? null })),
    top_p: request.top_p ?? null,
    truncation: request.truncation ?? 'disabled',
    usage,
    user: request.user ?? null,
    metadata: request.metadata ?? {},
  };
}

/**
 * The response's usage: the metered figures (the provider's count, or Relay's estimate when it
 * sent none), so the client sees what it is charged for; reasoning tokens from the provider.
 */
export function responseUsage(context: ResponseContext, upstream: ChatUsage | null | undefined): ResponseUsage | null {
  const metered = context.meteredUsage();
  if (metered === null) return null;
  const reasoning = upstream?.completion_tokens_details?.reasoning_tokens;
  return {
    input_tokens: metered.promptTokens,
    input_tokens_details: { cached_tokens: metered.cachedTokens },
    output_tokens: metered.completionTokens,
    output_tokens_details: { reasoning_tokens: typeof reasoning === 'number' && Number.isSafeInteger(reasoning) && reasoning > 0 ? reasoning : 0 },
    total_tokens: metered.promptTokens + metered.completionTokens,
  };
}
