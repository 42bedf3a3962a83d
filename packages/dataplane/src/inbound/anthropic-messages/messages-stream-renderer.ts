import { anthropicErrorBody } from '@proxystacks/shared/errors/anthropic-error';
import type { OpenAIErrorBody } from '@proxystacks/shared/errors/openai-error';
import type { AnthropicMessage, AnthropicStreamEvent } from '@proxystacks/shared/anthropic/messages-wire';
import type { ChatCompletionChunk, ChatUsage } from '@proxystacks/shared/openai/wire';
import { chunkOfEvent, type SseRenderer } from '../../chat/chat-surface.ts';
import type { StreamOutcome } from '../../streaming/sse-relay.ts';
import { matchedStopSequence, toAnthropicUsage, toStopReason } from './to-anthropic-message.ts';

/** What one stream needs to know beyond its chunks. */
export interface MessagesStreamContext {
  /** The message id (`msg_…`). */
  id: string;
  requestId: string;
  stopSequences: readonly string[] | undefined;
  /**
   * The usage the request is metered with, read when the stream completes: the upstream's own
   * count, or the gateway's estimate when the upstream sent none.
   */
  meteredUsage(outcome: StreamOutcome): ChatUsage;
}

/** The content block open right now: text, or the tool call with this OpenAI index. */
type OpenBlock = { kind: 'text' } | { kind: 'tool'; toolIndex: number } | null;

/**
 * Re-renders an OpenAI chunk stream as Anthropic's Messages stream, the events
 * `@anthropic-ai/sdk`'s MessageStream folds into a message:
 * `message_start`, `ping`, then per block `content_block_start`, `content_block_delta`
 * (`text_delta`, or `input_json_delta` for a tool call's argument fragments),
 * `content_block_stop`, and at the end `message_delta` (stop reason, full usage) and
 * `message_stop`; a stream that fails after it started ends with `event: error`.
 *
 * `message_start` waits for the first content, tool call or finish: a role-only first chunk
 * writes nothing, so an upstream that dies before its first token has sent the client nothing
 * and the next deployment can still be tried. Anthropic puts input tokens in `message_start`;
 * an OpenAI upstream reports usage only at the end, so `message_start` says 0 and
 * `message_delta` carries the whole usage (the SDK overwrites input counts from it).
 * Reasoning deltas are not forwarded (thinking blocks need Anthropic's signatures).
 */
export class MessagesStreamRenderer implements SseRenderer {
  #started = false;
  #model = '';
  #blocks = 0;
  #open: OpenBlock = null;
  /** OpenAI tool-call index → Anthropic block index. */
  #toolBlocks = new Map<number, number>();
  #finishReason: string | null = null;
  #matched: string | null = null;

  constructor(private readonly context: MessagesStreamContext) {}

  event(event: Buffer): Buffer | null {
    const chunk = chunkOfEvent(event);
    if (chunk === null) return null;
    if (typeof chunk.model === 'string' && chunk.model !== '') this.#model = chunk.model;
    let out = '';
    const choice = chunk.choices?.[0];
    if (choice === undefined) return null;
    const { content, tool_calls: toolCalls } = choice.delta ?? {};
    if (typeof content === 'string' && content !== '') {
      if (this.#open?.kind !== 'text') out += this.#startBlock({ kind: 'text' }, { type: 'text', text: '' });
      out += this.#send({ type: 'content_block_delta', index: this.#blocks - 1, delta: { type: 'text_delta', text: content } });
    }
    for (const call of toolCalls ?? []) {
      if (!this.#toolBlocks.has(call.index)) {
        out += this.#startBlock({ kind: 'tool', toolIndex: call.index }, { type: 'tool_use', id: call.id ?? '', name: call.function?.name ?? '', input: {} });
        this.#toolBlocks.set(call.index, this.#blocks - 1);
      }
      const fragment = call.function?.arguments;
      if (typeof fragment === 'string' && fragment !== '') {
        out += this.#send({ type: 'content_block_delta', index: this.#toolBlocks.get(call.index)!, delta: { type: 'input_json_delta', partial_json: fragment } });
      }
    }
    if (typeof choice.finish_reason === 'string') {
      this.#finishReason = choice.finish_reason;
      this.#matched = matchedStopSequence((choice as { stop_reason?: unknown }).stop_reason, this.context.stopSequences);
      out += this.#ensureStarted();
    }
    return out === '' ? null : Buffer.from(out);
  }

  done(outcome: StreamOutcome): string {
    const usage = toAnthropicUsage(this.context.meteredUsage(outcome));
    return (
      this.#ensureStarted() +
      this.#closeBlock() +
      this.#send({ type: 'message_delta', delta: { stop_reason: toStopReason(this.#finishReason ?? outcome.finishReason, this.#matched), stop_sequence: this.#matched }, usage }) +
      this.#send({ type: 'message_stop' })
    );
  }

  error(error: OpenAIErrorBody): string {
    return this.#send(anthropicErrorBody(error, this.context.requestId));
  }

  #ensureStarted(): string {
    if (this.#started) return '';
    this.#started = true;
    const message: AnthropicMessage = { id: this.context.id, type: 'message', role: 'assistant', model: this.#model, content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: 0, output_tokens: 0 } };
    return this.#send({ type: 'message_start', message }) + this.#send({ type: 'ping' });
  }

  #startBlock(block: Exclude<OpenBlock, null>, contentBlock: Extract<AnthropicStreamEvent, { type: 'content_block_start' }>['content_block']): string {
    const before = this.#ensureStarted() + this.#closeBlock();
    this.#open = block;
    return before + this.#send({ type: 'content_block_start', index: this.#blocks++, content_block: contentBlock });
  }

  #closeBlock(): string {
    if (this.#open === null) return '';
    this.#open = null;
    return this.#send({ type: 'content_block_stop', index: this.#blocks - 1 });
  }

  #send(event: AnthropicStreamEvent): string {
    return `event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`;
  }
}
