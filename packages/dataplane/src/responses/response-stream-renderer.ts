import type { OpenAIErrorBody } from '@proxystacks/shared/errors/openai-error';
import type { ChatCompletionChunk } from '@proxystacks/shared/openai/wire';
import type { ResponseObject, ResponseOutputFunctionCall, ResponseOutputMessage, ResponseOutputRefusal, ResponseOutputText, ResponseStatus, ResponseStreamEvent } from '@proxystacks/shared/openai/responses-wire';
import { chunkOfEvent, type SseRenderer } from '../chat/chat-surface.ts';
import type { StreamOutcome } from '../streaming/sse-relay.ts';
import { outputItemId, responseObject, responseUsage, statusOf, type ResponseContext } from './response-object.ts';

/** An output item being streamed, with its text and refusal parts (messages). */
type OpenItem =
  | { kind: 'message'; outputIndex: number; item: ResponseOutputMessage; text: ResponseOutputText | null; refusal: ResponseOutputRefusal | null }
  | { kind: 'call'; outputIndex: number; item: ResponseOutputFunctionCall };

/** An event before its sequence number is assigned. */
type UnsequencedEvent = ResponseStreamEvent extends infer E ? (E extends unknown ? Omit<E, 'sequence_number'> : never) : never;

/**
 * Re-renders a relayed chat stream as the Responses API's typed events, in the order the
 * OpenAI SDK's accumulator requires: `response.created` and `response.in_progress` first, an
 * output item added before its content part, a part before its deltas; at the end every item's
 * `.done` events, then `response.completed` (or `response.incomplete` when the output hit
 * `max_output_tokens`, or `error` + `response.failed` when the stream broke), each with a
 * `sequence_number` counting from 0. There is no `[DONE]` line on this wire.
 *
 * Nothing is written for chunks without output (the role-only first chunk, the usage chunk), so
 * a stream that dies before its first token has sent nothing and can still fall back. Items
 * stay open until the stream ends, so parallel tool calls whose deltas interleave are each
 * complete when their `output_item.done` goes out.
 */
export class ResponseStreamRenderer implements SseRenderer {
  #sequence = 0;
  #started = false;
  #model: string;
  readonly #items: OpenItem[] = [];
  /** The message item text goes into, once the model has written text. */
  #message: Extract<OpenItem, { kind: 'message' }> | null = null;
  /** Function-call items by the chat stream's tool-call index. */
  readonly #calls = new Map<number, Extract<OpenItem, { kind: 'call' }>>();

  constructor(private readonly context: ResponseContext) {
    this.#model = context.request.model;
  }

  event(event: Buffer): Buffer | null {
    const chunk = chunkOfEvent(event);
    if (chunk === null) return null;
    if (typeof chunk.model === 'string') this.#model = chunk.model;
    const delta = chunk.choices?.[0]?.delta;
    if (delta === undefined) return null;
    const out: ResponseStreamEvent[] = [];
    if (typeof delta.content === 'string' && delta.content !== '') {
      const message = this.#openMessage(out);
      if (message.text === null) {
        message.text = { type: 'output_text', text: '', annotations: [], logprobs: [] };
        message.item.content.push(message.text);
        out.push(this.#next({ type: 'response.content_part.added', item_id: message.item.id, output_index: message.outputIndex, content_index: message.item.content.length - 1, part: { ...message.text } }));
      }
      message.text.text += delta.content;
      out.push(this.#next({ type: 'response.output_text.delta', item_id: message.item.id, output_index: message.outputIndex, content_index: message.item.content.indexOf(message.text), delta: delta.content, logprobs: [] }));
    }
    if (typeof delta.refusal === 'string' && delta.refusal !== '') {
      const message = this.#openMessage(out);
      if (message.refusal === null) {
        message.refusal = { type: 'refusal', refusal: '' };
        message.item.content.push(message.refusal);
        out.push(this.#next({ type: 'response.content_part.added', item_id: message.item.id, output_index: message.outputIndex, content_index: message.item.content.length - 1, part: { ...message.refusal } }));
      }
      message.refusal.refusal += delta.refusal;
      out.push(this.#next({ type: 'response.refusal.delta', item_id: message.item.id, output_index: message.outputIndex, content_index: message.item.content.indexOf(message.refusal), delta: delta.refusal }));
    }
    for (const toolCall of delta.tool_calls ?? []) {
      let call = this.#calls.get(toolCall.index);
      if (call === undefined) {
        this.#start(out);
        const outputIndex = this.#items.length;
        call = { kind: 'call', outputIndex, item: { type: 'function_call', id: outputItemId(this.context, 'fc', outputIndex), status: 'in_progress', call_id: toolCall.id ?? '', name: toolCall.function?.name ?? '', arguments: '' } };
        this.#calls.set(toolCall.index, call);
        this.#items.push(call);
        out.push(this.#next({ type: 'response.output_item.added', output_index: outputIndex, item: { ...call.item } }));
      }
      const fragment = toolCall.function?.arguments;
      if (typeof fragment === 'string' && fragment !== '') {
        call.item.arguments += fragment;
        out.push(this.#next({ type: 'response.function_call_arguments.delta', item_id: call.item.id, output_index: call.outputIndex, delta: fragment }));
      }
    }
    return out.length === 0 ? null : this.#encode(out);
  }

  done(outcome: StreamOutcome): Buffer {
    const out: ResponseStreamEvent[] = [];
    this.#start(out);
    const { status, incomplete_details } = statusOf(outcome.finishReason);
    this.#closeItems(out, status === 'completed' ? 'completed' : 'incomplete');
    const response = this.#response(status, outcome);
    response.incomplete_details = incomplete_details;
    out.push(this.#next({ type: status === 'completed' ? 'response.completed' : 'response.incomplete', response }));
    return this.#encode(out);
  }

  error(error: OpenAIErrorBody, outcome: StreamOutcome): Buffer {
    const out: ResponseStreamEvent[] = [];
    this.#start(out);
    const { code, message, param } = error.error;
    out.push(this.#next({ type: 'error', code, message, param }));
    for (const open of this.#items) open.item.status = 'incomplete';
    const response = this.#response('failed', outcome);
    response.error = { code: code ?? 'server_error', message };
    out.push(this.#next({ type: 'response.failed', response }));
    return this.#encode(out);
  }

  /** `response.created` and `response.in_progress`, once, before anything else. */
  #start(out: ResponseStreamEvent[]): void {
    if (this.#started) return;
    this.#started = true;
    out.push(this.#next({ type: 'response.created', response: this.#response('in_progress', null) }));
    out.push(this.#next({ type: 'response.in_progress', response: this.#response('in_progress', null) }));
  }

  #openMessage(out: ResponseStreamEvent[]): Extract<OpenItem, { kind: 'message' }> {
    if (this.#message !== null) return this.#message;
    this.#start(out);
    const outputIndex = this.#items.length;
    const item: ResponseOutputMessage = { type: 'message', id: outputItemId(this.context, 'msg', outputIndex), status: 'in_progress', role: 'assistant', content: [] };
    this.#message = { kind: 'message', outputIndex, item, text: null, refusal: null };
    this.#items.push(this.#message);
    out.push(this.#next({ type: 'response.output_item.added', output_index: outputIndex, item: { ...item, content: [] } }));
    return this.#message;
  }

  #closeItems(out: ResponseStreamEvent[], status: 'completed' | 'incomplete'): void {
    for (const open of this.#items) {
      const { item, outputIndex } = open;
      item.status = status;
      if (open.kind === 'message' && open.text !== null) {
        const contentIndex = open.item.content.indexOf(open.text);
        out.push(this.#next({ type: 'response.output_text.done', item_id: item.id, output_index: outputIndex, content_index: contentIndex, text: open.text.text, logprobs: [] }));
        out.push(this.#next({ type: 'response.content_part.done', item_id: item.id, output_index: outputIndex, content_index: contentIndex, part: { ...open.text } }));
      }
      if (open.kind === 'message' && open.refusal !== null) {
        const contentIndex = open.item.content.indexOf(open.refusal);
        out.push(this.#next({ type: 'response.refusal.done', item_id: item.id, output_index: outputIndex, content_index: contentIndex, refusal: open.refusal.refusal }));
        out.push(this.#next({ type: 'response.content_part.done', item_id: item.id, output_index: outputIndex, content_index: contentIndex, part: { ...open.refusal } }));
      }
      if (open.kind === 'call') {
        out.push(this.#next({ type: 'response.function_call_arguments.done', item_id: item.id, output_index: outputIndex, name: open.item.name, arguments: open.item.arguments }));
      }
      out.push(this.#next({ type: 'response.output_item.done', output_index: outputIndex, item: structuredClone(item) }));
    }
  }

  #response(status: ResponseStatus, outcome: StreamOutcome | null): ResponseObject {
    const usage = outcome === null ? null : responseUsage(this.context, outcome.usage);
    return responseObject(this.context, this.#model, status, structuredClone(this.#items.map((open) => open.item)), usage);
  }

  #next(event: UnsequencedEvent): ResponseStreamEvent {
    return { ...event, sequence_number: this.#sequence++ } as ResponseStreamEvent;
  }

  #encode(events: ResponseStreamEvent[]): Buffer {
    let text = '';
    for (const event of events) text += `event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`;
    return Buffer.from(text);
  }
}
