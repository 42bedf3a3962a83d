import type { AnthropicContentBlock, AnthropicStreamEvent, AnthropicUsage } from '@proxystacks/shared/anthropic/messages-wire';
import { SSE_DONE, type ChatToolCallDelta } from '@proxystacks/shared/openai/wire';
import { eventData, SseScanner } from '../../streaming/sse-scanner.ts';
import { toFinishReason } from './finish-reason.ts';
import { mergeUsage, toChatUsage } from './usage.ts';

/** What a content block of the stream turns into. */
type BlockKind = { kind: 'text' } | { kind: 'thinking' } | { kind: 'skip' } | { kind: 'json'; sentArgs: boolean } | { kind: 'tool'; toolIndex: number; sentArgs: boolean };

/** A streamed delta of the one choice. */
interface ChunkDelta {
  role?: 'assistant';
  content?: string;
  reasoning_content?: string;
  tool_calls?: ChatToolCallDelta[];
}

/**
 * Turns Anthropic stream events into OpenAI chat completion chunks, one event at a time:
 * - `message_start` → the role chunk (`{"role":"assistant","content":""}`);
 * - text and thinking deltas → `content` and `reasoning_content` chunks;
 * - a `tool_use` block → a tool call delta with its index, id and name and empty arguments,
 *   then each `input_json_delta` fragment as an arguments delta, as OpenAI streams calls
 *   (a call whose input never came in fragments gets `{}`, so arguments always parse);
 * - in JSON mode, the answer tool's fragments are `content` instead, and text is dropped;
 * - `message_delta` → the finish chunk; `message_stop` → the usage chunk (`choices: []`),
 *   always sent so the gateway can meter (the SSE relay drops it for clients that did not ask
 *   for usage), then `[DONE]`;
 * - an `error` event (e.g. `overloaded_error` mid-stream) → an OpenAI-shaped error event that
 *   the SSE relay turns into its terminal error; `ping` and unknown events → nothing.
 */
export class AnthropicStreamTranslator {
  #id = '';
  #model = '';
  #usage: AnthropicUsage | null = null;
  #blocks = new Map<number, BlockKind>();
  #toolCalls = 0;
  #calledClientTool = false;

  constructor(
    private readonly jsonToolName: string | null,
    private readonly createdS: number,
  ) {}

  /** The SSE events (`data: …\n\n`) that one Anthropic event becomes. */
  push(event: AnthropicStreamEvent): string[] {
    switch (event.type) {
      case 'message_start':
        this.#id = event.message?.id ?? '';
        this.#model = event.message?.model ?? '';
        if (event.message?.usage) this.#usage = { ...event.message.usage };
        return [this.#chunk({ role: 'assistant', content: '' })];
      case 'content_block_start':
        return this.#startBlock(event.index, event.content_block);
      case 'content_block_delta':
        return this.#delta(event.index, event.delta as { type: string; text?: unknown; partial_json?: unknown; thinking?: unknown });
      case 'content_block_stop':
        return this.#stopBlock(event.index);
      case 'message_delta':
        if (event.usage) this.#usage = mergeUsage(this.#usage ?? {}, event.usage);
        return [this.#chunk({}, toFinishReason(event.delta?.stop_reason, this.#calledClientTool))];
      case 'message_stop':
        return this.#usage === null ? [SSE_DONE] : [this.#usageChunk(), SSE_DONE];
      case 'error': {
        // The relay reads the code for the event log and never forwards this event, so the
        // provider's message (which may name accounts) is not copied.
        const type = typeof event.error?.type === 'string' ? event.error.type : 'api_error';
        return [`data: ${JSON.stringify({ error: { message: '', type, code: type, param: null } })}\n\n`];
      }
      default:
        return [];
    }
  }

  #startBlock(index: number, block: AnthropicContentBlock): string[] {
    if (block.type === 'tool_use' && block.name === this.jsonToolName) {
      this.#blocks.set(index, { kind: 'json', sentArgs: false });
      return [];
    }
    if (block.type === 'tool_use') {
      const toolIndex = this.#toolCalls++;
      this.#calledClientTool = true;
      this.#blocks.set(index, { kind: 'tool', toolIndex, sentArgs: false });
      return [this.#chunk({ tool_calls: [{ index: toolIndex, id: String(block.id), type: 'function', function: { name: String(block.name), arguments: '' } }] })];
    }
    if (block.type === 'text' && this.jsonToolName === null) {
      this.#blocks.set(index, { kind: 'text' });
      return typeof block.text === 'string' && block.text !== '' ? [this.#chunk({ content: block.text })] : [];
    }
    if (block.type === 'thinking') {
      this.#blocks.set(index, { kind: 'thinking' });
      return typeof block.thinking === 'string' && block.thinking !== '' ? [this.#chunk({ reasoning_content: block.thinking })] : [];
    }
    this.#blocks.set(index, { kind: 'skip' });
    return [];
  }

  #delta(index: number, delta: { type: string; text?: unknown; partial_json?: unknown; thinking?: unknown }): string[] {
    const block = this.#blocks.get(index);
    if (block === undefined) return [];
    if (block.kind === 'text' && delta.type === 'text_delta' && typeof delta.text === 'string' && delta.text !== '') {
      return [this.#chunk({ content: delta.text })];
    }
    if (block.kind === 'thinking' && delta.type === 'thinking_delta' && typeof delta.thinking === 'string' && delta.thinking !== '') {
      return [this.#chunk({ reasoning_content: delta.thinking })];
    }
    // Anthropic often opens a call's input with an empty fragment: nothing to send for it.
    if (delta.type !== 'input_json_delta' || typeof delta.partial_json !== 'string' || delta.partial_json === '') return [];
    if (block.kind === 'tool') {
      block.sentArgs = true;
      return [this.#chunk({ tool_calls: [{ index: block.toolIndex, function: { arguments: delta.partial_json } }] })];
    }
    if (block.kind === 'json') {
      block.sentArgs = true;
      return [this.#chunk({ content: delta.partial_json })];
    }
    return [];
  }

  #stopBlock(index: number): string[] {
    const block = this.#blocks.get(index);
    if (block === undefined || (block.kind !== 'tool' && block.kind !== 'json') || block.sentArgs) return [];
    block.sentArgs = true;
    return [this.#chunk(block.kind === 'tool' ? { tool_calls: [{ index: block.toolIndex, function: { arguments: '{}' } }] } : { content: '{}' })];
  }

  #chunk(delta: ChunkDelta, finishReason: string | null = null): string {
    const choice = { index: 0, delta, logprobs: null, finish_reason: finishReason };
    return `data: ${JSON.stringify({ id: this.#id, object: 'chat.completion.chunk', created: this.createdS, model: this.#model, choices: [choice] })}\n\n`;
  }

  #usageChunk(): string {
    return `data: ${JSON.stringify({ id: this.#id, object: 'chat.completion.chunk', created: this.createdS, model: this.#model, choices: [], usage: toChatUsage(this.#usage ?? {}) })}\n\n`;
  }
}

/** Options of {@link translateAnthropicStream}. */
export interface AnthropicStreamOptions {
  jsonToolName: string | null;
  createdS: number;
  /** Largest upstream event accepted (UPSTREAM_MAX_SSE_EVENT_BYTES); past it the stream fails as too large. */
  maxEventBytes: number;
}

/**
 * An Anthropic SSE byte stream as an OpenAI SSE byte stream: the events of each upstream chunk
 * are translated and written as one chunk. Ends when the upstream does; stopping early (the
 * relay returning, a client abort) closes the upstream body through the loop's `return`.
 * @throws SseEventTooLarge past `maxEventBytes`, and SyntaxError on an event that is not JSON,
 *   which the SSE relay reports as a broken stream.
 */
export async function* translateAnthropicStream(upstream: AsyncIterable<Uint8Array>, options: AnthropicStreamOptions): AsyncGenerator<Buffer> {
  const scanner = new SseScanner({ maxEventBytes: options.maxEventBytes });
  const translator = new AnthropicStreamTranslator(options.jsonToolName, options.createdS);
  for await (const chunk of upstream) {
    let out = '';
    for (const event of scanner.push(chunk)) {
      const data = eventData(event);
      if (data === null || data === '') continue;
      for (const line of translator.push(JSON.parse(data) as AnthropicStreamEvent)) out += line;
    }
    if (out !== '') yield Buffer.from(out);
  }
}
