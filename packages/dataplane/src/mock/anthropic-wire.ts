import type { IncomingMessage, ServerResponse } from 'node:http';
import { randomBytes } from 'node:crypto';
import { ANTHROPIC_ERROR_TYPE_BY_STATUS, type AnthropicMessage, type AnthropicStopReason, type AnthropicStreamEvent, type AnthropicToolUseBlock, type AnthropicUsage } from '@proxystacks/shared/anthropic/messages-wire';
import { estimateTextTokens } from '../metering/estimate-tokens.ts';
import { checkAnthropicRequest } from './anthropic-request-check.ts';
import { mockReplyWords, parseMockDirectives, type MockDirectives } from './mock-directives.ts';
import { drainedOrClosed, type MockUpstreamStats } from './mock-upstream.ts';

/** The `retry-after` (seconds) the mock sends with a 429, as Anthropic does: tests check it reaches the client. */
export const MOCK_ANTHROPIC_RETRY_AFTER_SECONDS = 7;

/** The request fields the mock reads (it has been checked by checkAnthropicRequest). */
interface MessagesRequest {
  model: string;
  max_tokens: number;
  stream?: boolean;
  system?: string | Array<{ text: string }>;
  messages: Array<{ role: 'user' | 'assistant'; content: string | Array<Record<string, unknown>> }>;
  stop_sequences?: string[];
  tools?: Array<{ name: string; input_schema?: { properties?: Record<string, { type?: unknown }> } }>;
  tool_choice?: { type: string; name?: string; disable_parallel_tool_use?: boolean };
}

/**
 * The mock provider's Anthropic Messages wire (`POST /v1/messages`), steered by the same
 * directives as its OpenAI wire (mock-directives.ts): the `anthropic` adapter is tested over
 * real HTTP against it, and a demo needs no vendor key. It answers like the real API: error
 * bodies `{"type":"error","error":{type,message}}` (429 with `retry-after`, 529
 * `overloaded_error`), usage split into input / cache read / cache write, `max_tokens` and
 * `stop_sequences` honoured, and streams as named SSE events (message_start, a ping,
 * content_block_start/delta/stop, message_delta, message_stop), tool input as
 * `input_json_delta` fragments opened by an empty one, and a mid-stream `error` event.
 * `mock:echo` answers with the request as received, so tests can check a translation.
 */
export async function serveAnthropicMessages(req: IncomingMessage, res: ServerResponse, bodyText: string, stats: MockUpstreamStats): Promise<void> {
  let request: MessagesRequest;
  try {
    request = JSON.parse(bodyText) as MessagesRequest;
  } catch {
    return sendError(res, 400, 'invalid_request_error', 'There was an issue with the format of the request body: invalid JSON.');
  }
  const refusal = checkAnthropicRequest(req.headers, request as unknown as Record<string, unknown>);
  if (refusal !== null) return sendError(res, refusal.status, refusal.type, refusal.message);
  const directives = parseMockDirectives(lastUserText(request));
  if (directives.ttfbMs > 0) await new Promise((resolve) => setTimeout(resolve, directives.ttfbMs));
  if (directives.failStatus !== null) return failAsDirected(res, directives.failStatus);
  const message = await composeMessage(request, directives);
  if (request.stream === true) return streamMessage(res, message, directives, stats);
  return sendJson(res, 200, message.whole);
}

/** The answer, whole and as the deltas it streams in. */
interface ComposedMessage {
  whole: AnthropicMessage;
  /** Per content block: its start, then its deltas (text words or input JSON fragments). */
  blocks: Array<{ start: Record<string, unknown>; deltas: Array<Record<string, unknown>> }>;
}

async function composeMessage(request: MessagesRequest, directives: MockDirectives): Promise<ComposedMessage> {
  const id = `msg_mock${randomBytes(8).toString('hex')}`;
  const tools = request.tools ?? [];
  const choice = request.tool_choice;
  const wantsTool = tools.length > 0 && choice?.type !== 'none' && (choice?.type === 'any' || choice?.type === 'tool' || directives.toolCall);
  let stopReason: AnthropicStopReason = 'end_turn';
  let stopSequence: string | null = null;
  const content: AnthropicMessage['content'] = [];
  const blocks: ComposedMessage['blocks'] = [];
  if (directives.echo === true) {
    const { stream: _stream, ...received } = request;
    const text = JSON.stringify(received);
    content.push({ type: 'text', text });
    blocks.push({ start: { type: 'text', text: '' }, deltas: (text.match(/.{1,64}/gs) ?? []).map((piece) => ({ type: 'text_delta', text: piece })) });
  } else if (wantsTool) {
    const offered = choice?.type === 'tool' ? tools.filter((tool) => tool.name === choice.name) : tools;
    const count = choice?.disable_parallel_tool_use === true ? 1 : (directives.toolCalls ?? 1);
    for (let i = 0; i < count; i++) {
      const tool = offered[i % offered.length]!;
      const input = sampleInput(tool.input_schema?.properties, directives.words);
      const toolId = `toolu_mock${randomBytes(6).toString('hex')}`;
      const pieces = JSON.stringify(input).match(/.{1,8}/gs) ?? [];
      content.push({ type: 'tool_use', id: toolId, name: tool.name, input });
      blocks.push({
        start: { type: 'tool_use', id: toolId, name: tool.name, input: {} },
        deltas: ['', ...pieces].map((partial) => ({ type: 'input_json_delta', partial_json: partial })),
      });
    }
    stopReason = 'tool_use';
  } else {
    let words = mockReplyWords(Math.min(directives.words, request.max_tokens));
    if (directives.words > request.max_tokens) stopReason = 'max_tokens';
    for (const sequence of request.stop_sequences ?? []) {
      const at = words.join(' ').indexOf(sequence);
      if (at === -1) continue;
      words = words.join(' ').slice(0, at).split(' ').filter((word) => word !== '');
      [stopReason, stopSequence] = ['stop_sequence', sequence];
    }
    content.push({ type: 'text', text: words.join(' ') });
    blocks.push({ start: { type: 'text', text: '' }, deltas: words.map((word, i) => ({ type: 'text_delta', text: i === 0 ? word : ` ${word}` })) });
  }
  const usage = await mockUsage(request, content, directives);
  return { whole: { id, type: 'message', role: 'assistant', model: request.model, content, stop_reason: stopReason, stop_sequence: stopSequence, usage }, blocks };
}

async function streamMessage(res: ServerResponse, message: ComposedMessage, directives: MockDirectives, stats: MockUpstreamStats): Promise<void> {
  res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' });
  let closed = false;
  res.on('close', () => (closed = true));
  const send = (event: AnthropicStreamEvent | Record<string, unknown>) => res.write(`event: ${String(event.type)}\ndata: ${JSON.stringify(event)}\n\n`);
  const { whole } = message;
  const startUsage = directives.noUsage ? undefined : { ...whole.usage, output_tokens: 1 };
  send({ type: 'message_start', message: { ...whole, content: [], stop_reason: null, stop_sequence: null, usage: startUsage } });
  send({ type: 'ping' });
  let sent = 0;
  for (const [index, block] of message.blocks.entries()) {
    send({ type: 'content_block_start', index, content_block: block.start });
    for (const delta of block.deltas) {
      if (directives.cutAfter !== null && sent >= directives.cutAfter) {
        // Let what was written reach the wire, then drop the connection mid-stream.
        await new Promise<void>((resolve) => res.write('', () => resolve()));
        res.destroy();
        return;
      }
      if (directives.errorAfter !== undefined && sent >= directives.errorAfter) {
        res.end(`event: error\ndata: ${JSON.stringify({ type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } })}\n\n`);
        return;
      }
      if (directives.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, directives.delayMs));
      if (closed) {
        stats.streamsAbandoned++;
        return;
      }
      sent++;
      if (!send({ type: 'content_block_delta', index, delta }) && !closed) {
        stats.drainWaits++;
        await drainedOrClosed(res);
      }
    }
    send({ type: 'content_block_stop', index });
  }
  if (closed) {
    stats.streamsAbandoned++;
    return;
  }
  stats.streamsCompleted++;
  send({ type: 'message_delta', delta: { stop_reason: whole.stop_reason, stop_sequence: whole.stop_sequence }, ...(directives.noUsage ? {} : { usage: { output_tokens: whole.usage.output_tokens } }) });
  send({ type: 'message_stop' });
  res.end();
}

/**
 * Usage as Anthropic splits it: `input_tokens` is what was neither read from nor written to the
 * cache (`mock:cached`, `mock:cache-write` move prompt tokens into those two).
 */
async function mockUsage(request: MessagesRequest, content: AnthropicMessage['content'], directives: MockDirectives): Promise<AnthropicUsage> {
  const prompt = await estimateTextTokens(JSON.stringify([request.system ?? '', request.messages, request.tools ?? []]));
  const said = content.map((block) => (block.type === 'text' ? String(block.text) : `${String((block as AnthropicToolUseBlock).name)}${JSON.stringify((block as AnthropicToolUseBlock).input)}`));
  const output = await estimateTextTokens(said.join(''));
  const cacheRead = Math.min(directives.cachedTokens ?? 0, prompt);
  const cacheWrite = Math.min(directives.cacheWriteTokens ?? 0, prompt - cacheRead);
  const thinking = directives.reasoningTokens ?? 0;
  return {
    input_tokens: prompt - cacheRead - cacheWrite,
    cache_read_input_tokens: cacheRead,
    cache_creation_input_tokens: cacheWrite,
    // Thinking is part of output_tokens, broken out in output_tokens_details.
    output_tokens: output + thinking,
    ...(thinking > 0 ? { output_tokens_details: { thinking_tokens: thinking } } : {}),
  };
}

/** A tool input with a value of the right type for each property of its schema (`query` when it has none). */
function sampleInput(properties: Record<string, { type?: unknown }> | undefined, wordCount: number): Record<string, unknown> {
  const words = mockReplyWords(Math.min(wordCount, 6));
  if (properties === undefined || Object.keys(properties).length === 0) return { query: words.join(' ') };
  const sample = (type: unknown): unknown => (type === 'integer' || type === 'number' ? words.length : type === 'boolean' ? true : type === 'array' ? words : type === 'object' ? {} : words.join(' '));
  return Object.fromEntries(Object.entries(properties).map(([name, property]) => [name, sample(property.type)]));
}

/** The directives ride in the text of the last user message that has any (not in tool results). */
function lastUserText(request: MessagesRequest): string {
  for (let i = request.messages.length - 1; i >= 0; i--) {
    const { role, content } = request.messages[i]!;
    if (role !== 'user') continue;
    if (typeof content === 'string') return content;
    const text = content.filter((block) => block.type === 'text').map((block) => String(block.text)).join('\n');
    if (text !== '') return text;
  }
  return '';
}

function failAsDirected(res: ServerResponse, status: number): void {
  const type = ANTHROPIC_ERROR_TYPE_BY_STATUS[status] ?? (status >= 500 ? 'api_error' : 'invalid_request_error');
  const headers: Record<string, string> = status === 429 ? { 'retry-after': String(MOCK_ANTHROPIC_RETRY_AFTER_SECONDS) } : {};
  sendError(res, status, type, `The mock provider was told to fail with ${status}.`, headers);
}

function sendError(res: ServerResponse, status: number, type: string, message: string, headers: Record<string, string> = {}): void {
  sendJson(res, status, { type: 'error', error: { type, message }, request_id: `req_mock${randomBytes(6).toString('hex')}` }, headers);
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}
