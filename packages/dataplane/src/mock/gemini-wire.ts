import type { IncomingMessage, ServerResponse } from 'node:http';
import { randomBytes } from 'node:crypto';
import type { GeminiPart, GeminiRequest, GeminiResponse, GeminiUsageMetadata } from '../providers/gemini/gemini-wire.ts';
import { estimateTextTokens } from '../metering/estimate-tokens.ts';
import { mockReplyWords, parseMockDirectives, type MockDirectives } from './mock-directives.ts';
import { geminiRequestProblem, lastUserText, MOCK_THOUGHT_SIGNATURE, promptTokensOf, summariseGeminiRequest } from './gemini-wire-request.ts';
import { drainedOrClosed, type MockUpstreamStats } from './mock-upstream.ts';

/**
 * The mock provider's Gemini wire: `POST /v1beta/models/{model}:generateContent` and
 * `:streamGenerateContent?alt=sse` (also under `/v1`, so a `gemini` provider pointed at the
 * mock's base URL works), steered by the same directives as the OpenAI wire (mock-directives.ts).
 * It answers as the Gemini API does: `{"error":{"code","message","status"}}` errors (429 with a
 * RetryInfo `retryDelay`), a key only in `x-goog-api-key` (a `key=` in the URL is refused),
 * streams whose every event is a whole GenerateContentResponse ending in CRLF CRLF, usage on
 * every event, and STOP as the finish reason after function calls.
 * Reference: https://ai.google.dev/api/generate-content
 */
export interface GeminiMethod {
  model: string;
  stream: boolean;
}

const METHOD_PATH = /^\/v1(?:beta)?\/(?:models|tunedModels)\/([^/:]+):(generateContent|streamGenerateContent)$/;

/** The Gemini method a request path names, or null for any other path. */
export function geminiMethodOf(path: string): GeminiMethod | null {
  const match = METHOD_PATH.exec(path);
  return match === null ? null : { model: decodeURIComponent(match[1]!), stream: match[2] === 'streamGenerateContent' };
}

const CANONICAL_STATUS: Readonly<Record<number, string>> = {
  400: 'INVALID_ARGUMENT', 401: 'UNAUTHENTICATED', 403: 'PERMISSION_DENIED', 404: 'NOT_FOUND', 409: 'ABORTED',
  429: 'RESOURCE_EXHAUSTED', 499: 'CANCELLED', 500: 'INTERNAL', 503: 'UNAVAILABLE', 504: 'DEADLINE_EXCEEDED',
};

/** How long the mock's 429 asks the caller to wait, in RetryInfo's Duration form. */
export const MOCK_RETRY_DELAY = '16.2s';

/** The key value the mock treats as wrong, answered as Gemini does: 400 with ErrorInfo reason API_KEY_INVALID. */
export const MOCK_BAD_GEMINI_KEY = 'mock-invalid-gemini-key';

/**
 * Refuses a caller the way Gemini does (a `key=` in the URL, no `x-goog-api-key`, the wrong
 * key) and answers it; true when it did. Every Gemini method of the mock checks this first.
 */
export function refuseGeminiCaller(req: IncomingMessage, res: ServerResponse): boolean {
  const query = new URLSearchParams((req.url ?? '').split('?')[1] ?? '');
  const key = req.headers['x-goog-api-key'];
  if (query.has('key')) sendGeminiError(res, 400, 'The mock refuses API keys in the URL: send x-goog-api-key.');
  else if (typeof key !== 'string' || key === '') sendGeminiError(res, 403, 'Method doesn\'t allow unregistered callers. Please use an API key (x-goog-api-key).');
  else if (key === MOCK_BAD_GEMINI_KEY) {
    sendGeminiError(res, 400, 'API key not valid. Please pass a valid API key.', [{ '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'API_KEY_INVALID', domain: 'googleapis.com' }]);
  } else return false;
  return true;
}

export async function serveGeminiWire(req: IncomingMessage, res: ServerResponse, stats: MockUpstreamStats, method: GeminiMethod, bodyText: string): Promise<void> {
  if (refuseGeminiCaller(req, res)) return;
  const query = new URLSearchParams((req.url ?? '').split('?')[1] ?? '');
  if (method.stream && query.get('alt') !== 'sse') return sendGeminiError(res, 400, 'The mock streams only with alt=sse.');
  let request: GeminiRequest;
  try {
    request = JSON.parse(bodyText) as GeminiRequest;
  } catch {
    return sendGeminiError(res, 400, 'Invalid JSON payload received.');
  }
  const problem = typeof request === 'object' && request !== null ? geminiRequestProblem(request) : 'Invalid JSON payload received.';
  if (problem !== null) return sendGeminiError(res, 400, problem);
  const directives = parseMockDirectives(lastUserText(request));
  if (directives.ttfbMs > 0) await sleep(directives.ttfbMs);
  if (directives.failStatus !== null) {
    const details = directives.failStatus === 429 ? [{ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: MOCK_RETRY_DELAY }] : undefined;
    return sendGeminiError(res, directives.failStatus, `The mock provider was told to fail with ${directives.failStatus}.`, details);
  }
  const reply = composeReply(request, directives);
  const usage = directives.noUsage ? undefined : await usageOf(request, reply, directives);
  const base = { modelVersion: method.model, responseId: randomBytes(8).toString('base64url') };
  if (!method.stream) {
    return sendGeminiJson(res, 200, { candidates: [{ index: 0, content: { role: 'model', parts: reply }, finishReason: 'STOP' }], ...(usage ? { usageMetadata: usage } : {}), ...base });
  }
  return stream(res, directives, reply, usage, base, stats);
}

/** Text word by word (or JSON in JSON mode, or the request summary for `mock:echo`), or function calls. */
function composeReply(request: GeminiRequest, directives: MockDirectives): GeminiPart[] {
  if (directives.echo === true) return [{ text: JSON.stringify(summariseGeminiRequest(request)) }];
  const declarations = request.tools?.flatMap((tool) => tool.functionDeclarations) ?? [];
  const calling = request.toolConfig?.functionCallingConfig;
  const wantsTool = declarations.length > 0 && calling?.mode !== 'NONE' && (calling?.mode === 'ANY' || directives.toolCall);
  if (wantsTool) {
    const names = calling?.allowedFunctionNames ?? declarations.map((declaration) => declaration.name);
    const count = directives.toolCalls ?? 1;
    return Array.from({ length: count }, (_, i) => ({
      functionCall: { name: names[i % names.length]!, args: { query: mockReplyWords(Math.min(directives.words, 6)).join(' '), call: i } },
      // Gemini 3 signs the first call of a step only.
      ...(i === 0 ? { thoughtSignature: MOCK_THOUGHT_SIGNATURE } : {}),
    }));
  }
  const words = mockReplyWords(directives.words);
  const config = request.generationConfig;
  if (config?.responseMimeType !== 'application/json') return words.map((word, i) => ({ text: i === 0 ? word : ` ${word}` }));
  const schema = (config.responseJsonSchema ?? (config as Record<string, unknown>).responseSchema) as { properties?: Record<string, { type?: unknown }> } | undefined;
  const value = schema?.properties === undefined ? { reply: words.join(' ') } : Object.fromEntries(Object.entries(schema.properties).map(([name, property]) => [name, sampleOf(property.type, words)]));
  return (JSON.stringify(value).match(/.{1,8}/gs) ?? []).map((piece) => ({ text: piece }));
}

function sampleOf(type: unknown, words: string[]): unknown {
  const name = String(type).toLowerCase();
  if (name === 'integer' || name === 'number') return words.length;
  if (name === 'boolean') return true;
  if (name === 'array') return words;
  return words.join(' ');
}

async function usageOf(request: GeminiRequest, reply: GeminiPart[], directives: MockDirectives): Promise<GeminiUsageMetadata> {
  const cached = directives.cachedTokens ?? 0;
  const reasoning = directives.reasoningTokens ?? 0;
  // With cached content, promptTokenCount includes the cached tokens (they are not in the request body).
  const prompt = (await promptTokensOf(request)) + cached;
  const replyText = reply.map((part) => part.text ?? (part.functionCall ? part.functionCall.name + JSON.stringify(part.functionCall.args) : '')).join('');
  const candidates = await estimateTextTokens(replyText);
  return {
    promptTokenCount: prompt,
    candidatesTokenCount: candidates,
    totalTokenCount: prompt + candidates + reasoning,
    ...(cached > 0 ? { cachedContentTokenCount: cached } : {}),
    ...(reasoning > 0 ? { thoughtsTokenCount: reasoning } : {}),
  };
}

async function stream(res: ServerResponse, directives: MockDirectives, reply: GeminiPart[], usage: GeminiUsageMetadata | undefined, base: Partial<GeminiResponse>, stats: MockUpstreamStats): Promise<void> {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  let closed = false;
  res.on('close', () => {
    closed = true;
  });
  // Text goes out part by part; function calls arrive whole, all in one event, as Gemini sends them.
  const textParts = reply.filter((part) => part.functionCall === undefined);
  const calls = reply.filter((part) => part.functionCall !== undefined);
  const events: GeminiPart[][] = [...textParts.map((part) => [part]), ...(calls.length > 0 ? [calls] : [])];
  // Usage rides on every event; the counts so far on all but the last (Gemini's own habit).
  const partial = usage === undefined ? undefined : { promptTokenCount: usage.promptTokenCount, totalTokenCount: usage.promptTokenCount };
  for (let i = 0; i < events.length; i++) {
    if (directives.cutAfter !== null && i >= directives.cutAfter) {
      await new Promise<void>((resolve) => res.write('', () => resolve()));
      res.destroy();
      return;
    }
    if (directives.errorAfter !== undefined && i >= directives.errorAfter) {
      res.end(`data: ${JSON.stringify({ error: { code: 500, message: 'An internal error has occurred (mock).', status: 'INTERNAL' } })}\r\n\r\n`);
      return;
    }
    if (directives.delayMs > 0) await sleep(directives.delayMs);
    if (closed) {
      stats.streamsAbandoned++;
      return;
    }
    const last = i === events.length - 1;
    const event: GeminiResponse = {
      candidates: [{ index: 0, content: { role: 'model', parts: events[i]! }, ...(last ? { finishReason: 'STOP' } : {}) }],
      ...((last ? usage : partial) === undefined ? {} : { usageMetadata: last ? usage : partial }),
      ...base,
    };
    if (!res.write(`data: ${JSON.stringify(event)}\r\n\r\n`)) await waitForDrain(res, stats);
  }
  if (closed) stats.streamsAbandoned++;
  else {
    stats.streamsCompleted++;
    res.end();
  }
}

/** A full socket: wait until it takes more or is gone (what the mock's stats count as backpressure). */
async function waitForDrain(res: ServerResponse, stats: MockUpstreamStats): Promise<void> {
  if (res.destroyed) return;
  stats.drainWaits++;
  await drainedOrClosed(res);
}

/** An error in Gemini's shape: `{"error":{"code","message","status","details"}}`. */
export function sendGeminiError(res: ServerResponse, status: number, message: string, details?: unknown[]): void {
  sendGeminiJson(res, status, { error: { code: status, message, status: CANONICAL_STATUS[status] ?? 'UNKNOWN', ...(details === undefined ? {} : { details }) } });
}

export function sendGeminiJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=UTF-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
