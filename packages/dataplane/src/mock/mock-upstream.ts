import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import type { ChatCompletionRequest, ChatMessage, ChatUsage } from '@proxystacks/shared/openai/wire';
import { estimatePromptTokens, estimateTextTokens, messageText } from '../metering/estimate-tokens.ts';
import { mockReplyWords, parseMockDirectives, type MockDirectives } from './mock-directives.ts';
import { geminiMethodOf, serveGeminiWire } from './gemini-wire.ts';
import { serveAnthropicMessages } from './anthropic-wire.ts';
import { geminiEmbedMethodOf, serveGeminiEmbed } from './gemini-embed-wire.ts';
import { serveOpenAIEmbeddings } from './mock-embeddings.ts';

/**
 * The built-in mock provider: a real HTTP server on loopback that speaks the OpenAI chat
 * completions wire format (JSON and SSE, `stream_options.include_usage`, usage with the
 * o200k token count of the prompt), streams word by word, and fails or slows down on request
 * (see mock-directives.ts); it also makes embeddings on OpenAI's and Gemini's wires
 * (mock-embeddings.ts). The data plane reaches it through the same OpenAI-compatible
 * adapter, keep-alive pool and SSE relay as any real provider, so the demo and the tests
 * exercise the real path; only the model is pretend.
 */
export interface MockUpstream {
  /** Base URL to put in a provider (`http://127.0.0.1:<port>/v1`). */
  readonly baseUrl: string;
  /** What the mock saw: lets tests prove the gateway aborts and backpressures its upstream. */
  stats(): MockUpstreamStats;
  close(): Promise<void>;
}

export interface MockUpstreamStats {
  requests: number;
  /** Streams whose client (the gateway) hung up before the last word. */
  streamsAbandoned: number;
  /** Times a stream write was refused by a full socket and the mock waited for 'drain'. */
  drainWaits: number;
  /** Streams that reached their last word. */
  streamsCompleted: number;
}

export async function startMockUpstream(options: { host?: string; port?: number } = {}): Promise<MockUpstream> {
  const sockets = new Set<import('node:net').Socket>();
  const stats: MockUpstreamStats = { requests: 0, streamsAbandoned: 0, drainWaits: 0, streamsCompleted: 0 };
  const server: Server = createServer((req, res) => {
    stats.requests++;
    handle(req, res, stats).catch(() => res.destroy());
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const address = server.address() as AddressInfo;
  return {
    baseUrl: `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}/v1`,
    stats: () => ({ ...stats }),
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Azure OpenAI's deployment-scoped paths: `/openai/deployments/{deployment}/{operation}`. */
const AZURE_PATH = /^\/openai\/deployments\/[^/]+\/(chat\/completions|embeddings)$/;

async function handle(req: IncomingMessage, res: ServerResponse, stats: MockUpstreamStats): Promise<void> {
  const [rawPath, query = ''] = (req.url ?? '/').split('?');
  let path = rawPath;
  // The Azure OpenAI wire is the OpenAI wire at another address, keyed by `api-key` and always
  // carrying `api-version`: the mock serves it with the same handlers once both are checked.
  const azure = AZURE_PATH.exec(path ?? '');
  if (azure !== null) {
    if (!new URLSearchParams(query).get('api-version')) {
      return json(res, 404, { error: { code: '404', message: 'Resource not found' } });
    }
    if (req.headers.authorization !== undefined && req.headers['api-key'] === undefined) {
      return json(res, 401, { error: { code: '401', message: 'Access denied due to invalid subscription key or wrong API endpoint.' } });
    }
    path = `/v1/${azure[1]}`;
  }
  if (req.method === 'GET' && path === '/v1/models') {
    return json(res, 200, { object: 'list', data: [{ id: 'mock-1', object: 'model', created: 0, owned_by: 'relay-mock' }] });
  }
  if (req.method === 'POST' && path === '/v1/embeddings') return serveOpenAIEmbeddings(res, await readAll(req));
  const geminiEmbed = req.method === 'POST' ? geminiEmbedMethodOf(path ?? '') : null;
  if (geminiEmbed !== null) return serveGeminiEmbed(req, res, geminiEmbed, await readAll(req));
  const gemini = req.method === 'POST' ? geminiMethodOf(path ?? '') : null;
  if (gemini !== null) return serveGeminiWire(req, res, stats, gemini, await readAll(req));
  if (req.method === 'POST' && path === '/v1/messages') return serveAnthropicMessages(req, res, await readAll(req), stats);
  if (req.method !== 'POST' || path !== '/v1/chat/completions') {
    return json(res, 404, errorBody(`No route ${req.method} ${path}`, 'invalid_request_error', 'unknown_url'));
  }
  let request: ChatCompletionRequest;
  try {
    request = JSON.parse(await readAll(req)) as ChatCompletionRequest;
  } catch {
    return json(res, 400, errorBody('The mock provider could not parse the request body as JSON.', 'invalid_request_error', 'invalid_json'));
  }
  if (!Array.isArray(request.messages) || typeof request.model !== 'string') {
    return json(res, 400, errorBody("'model' and 'messages' are required.", 'invalid_request_error', 'missing_required_parameter'));
  }
  const directives = parseMockDirectives(lastUserText(request.messages));
  if (directives.ttfbMs > 0) await sleep(directives.ttfbMs);
  if (directives.failStatus !== null) {
    const status = directives.failStatus;
    const type = status === 429 ? 'rate_limit_error' : status < 500 ? 'invalid_request_error' : 'server_error';
    return json(res, status, errorBody(`The mock provider was told to fail with ${status}.`, type, `mock_${status}`));
  }
  const id = `chatcmpl-mock${randomBytes(8).toString('hex')}`;
  const created = Math.floor(Date.now() / 1000);
  const reply = composeReply(request, directives);
  const usage = await mockUsage(request.messages, reply.completionText);
  if (request.stream === true) {
    return stream(res, request, directives, { id, created, reply, usage }, stats);
  }
  return json(res, 200, {
    id,
    object: 'chat.completion',
    created,
    model: request.model,
    choices: [{ index: 0, message: reply.message, logprobs: null, finish_reason: reply.finishReason }],
    ...(directives.noUsage ? {} : { usage }),
    system_fingerprint: 'relay-mock',
  });
}

/** What the mock answers: the whole message, and the same as stream deltas. */
interface MockReply {
  message: Record<string, unknown>;
  /** Deltas after the role chunk, one per streamed event. */
  deltas: Array<Record<string, unknown>>;
  finishReason: 'stop' | 'tool_calls';
  /** What counts as completion tokens. */
  completionText: string;
}

/**
 * Text word by word, or, when the request offers tools and asks for one (`tool_choice`
 * "required" or a named function, or `mock:tool-call` in the prompt), a call of the first (or
 * named) tool whose JSON arguments stream in small pieces, the way OpenAI streams them.
 */
function composeReply(request: ChatCompletionRequest, directives: MockDirectives): MockReply {
  const tools = Array.isArray(request.tools) ? request.tools : [];
  const choice = request.tool_choice;
  const named = typeof choice === 'object' && choice !== null ? choice.function?.name : undefined;
  const wantsTool = tools.length > 0 && choice !== 'none' && (choice === 'required' || named !== undefined || directives.toolCall);
  if (!wantsTool) {
    const words = mockReplyWords(directives.words);
    return {
      message: { role: 'assistant', content: words.join(' '), refusal: null },
      deltas: words.map((word, i) => ({ content: i === 0 ? word : ` ${word}` })),
      finishReason: 'stop',
      completionText: words.join(' '),
    };
  }
  const name = named ?? tools[0]!.function.name;
  const args = JSON.stringify({ query: mockReplyWords(Math.min(directives.words, 6)).join(' ') });
  const callId = `call_mock${randomBytes(6).toString('hex')}`;
  const pieces = args.match(/.{1,8}/gs) ?? [];
  return {
    message: { role: 'assistant', content: null, refusal: null, tool_calls: [{ id: callId, type: 'function', function: { name, arguments: args } }] },
    deltas: [
      { tool_calls: [{ index: 0, id: callId, type: 'function', function: { name, arguments: '' } }] },
      ...pieces.map((piece) => ({ tool_calls: [{ index: 0, function: { arguments: piece } }] })),
    ],
    finishReason: 'tool_calls',
    completionText: name + args,
  };
}

async function stream(
  res: ServerResponse,
  request: ChatCompletionRequest,
  directives: MockDirectives,
  answer: { id: string; created: number; reply: MockReply; usage: ChatUsage },
  stats: MockUpstreamStats,
): Promise<void> {
  const includeUsage = request.stream_options?.include_usage === true && !directives.noUsage;
  res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' });
  const chunk = (choices: unknown[], usage?: ChatUsage | null) =>
    `data: ${JSON.stringify({
      id: answer.id,
      object: 'chat.completion.chunk',
      created: answer.created,
      model: request.model,
      system_fingerprint: 'relay-mock',
      choices,
      ...(includeUsage ? { usage: usage ?? null } : {}),
    })}\n\n`;
  let closed = false;
  res.on('close', () => {
    closed = true;
  });
  const { deltas, finishReason } = answer.reply;
  const roleDelta = finishReason === 'tool_calls' ? { role: 'assistant', content: null } : { role: 'assistant', content: '' };
  res.write(chunk([{ index: 0, delta: roleDelta, logprobs: null, finish_reason: null }]));
  for (let i = 0; i < deltas.length; i++) {
    if (directives.cutAfter !== null && i >= directives.cutAfter) {
      // Let what was written reach the wire, then drop the connection mid-stream.
      await new Promise<void>((resolve) => res.write('', () => resolve()));
      res.destroy();
      return;
    }
    if (directives.delayMs > 0) await sleep(directives.delayMs);
    if (closed) {
      stats.streamsAbandoned++;
      return;
    }
    const ok = res.write(chunk([{ index: 0, delta: deltas[i], logprobs: null, finish_reason: null }]));
    if (!ok && !closed) {
      stats.drainWaits++;
      await drainedOrClosed(res);
    }
  }
  if (closed) {
    stats.streamsAbandoned++;
    return;
  }
  stats.streamsCompleted++;
  res.write(chunk([{ index: 0, delta: {}, logprobs: null, finish_reason: finishReason }]));
  if (includeUsage) res.write(chunk([], answer.usage));
  res.end('data: [DONE]\n\n');
}

async function mockUsage(messages: readonly ChatMessage[], reply: string): Promise<ChatUsage> {
  const prompt = await estimatePromptTokens(messages);
  const completion = await estimateTextTokens(reply);
  return {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: prompt + completion,
    prompt_tokens_details: { cached_tokens: 0 },
    completion_tokens_details: { reasoning_tokens: 0 },
  };
}

function lastUserText(messages: readonly ChatMessage[]): string {
  for (let i = messages.length - 1; i >= 0; i--) {
    if (messages[i]?.role === 'user') return messageText(messages[i]!);
  }
  return '';
}

/** An OpenAI-shaped error body. */
export function errorBody(message: string, type: string, code: string, param: string | null = null) {
  return { error: { message, type, code, param } };
}

/** A whole JSON answer with its length. */
export function json(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function readAll(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Resolves once a response whose write() returned false can take more ('drain'), or is gone ('close'). */
export function drainedOrClosed(res: ServerResponse): Promise<void> {
  return new Promise<void>((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}
