import { CHAT_REQUEST_LIMITS } from './validate-request.ts';

/**
 * A hand-written check of the same rules as validate-request.ts's zod schema, for the common
 * case: true only when zod would accept `body` as it is (issue 11: zod walked and copied every
 * message of every request, 3–26 µs). It answers false for anything it is not sure of, and the
 * caller then runs zod, so every refusal still comes from zod with its exact message; only
 * acceptance is sped up. Keep both in step: the property test in
 * issue-11-chat-request-fast-path.test.ts compares them on generated bodies.
 */
export function passesChatRequestRules(body: Record<string, unknown>): boolean {
  const { model, messages, stream, stream_options: streamOptions, n, max_tokens: maxTokens, max_completion_tokens: maxCompletionTokens, temperature, top_p: topP, tools, user } = body;
  if (typeof model !== 'string' || model.length < 1 || model.length > 256) return false;
  if (!Array.isArray(messages) || messages.length < 1 || messages.length > CHAT_REQUEST_LIMITS.maxMessages) return false;
  for (let i = 0; i < messages.length; i++) {
    const message = messages[i] as unknown;
    if (!isPlainObject(message)) return false;
    const { role, content } = message;
    if (typeof role !== 'string' || role.length < 1) return false;
    if (content !== undefined && content !== null && typeof content !== 'string' && !isArrayOfTyped(content)) return false;
  }
  if (stream !== undefined && stream !== null && typeof stream !== 'boolean') return false;
  if (streamOptions !== undefined && streamOptions !== null) {
    if (!isPlainObject(streamOptions)) return false;
    const includeUsage = streamOptions.include_usage;
    if (includeUsage !== undefined && typeof includeUsage !== 'boolean') return false;
  }
  if (!optionalInt(n, 1, 128) || !optionalInt(maxTokens, 1, Number.MAX_SAFE_INTEGER) || !optionalInt(maxCompletionTokens, 1, Number.MAX_SAFE_INTEGER)) return false;
  if (!optionalNumber(temperature, 0, 2) || !optionalNumber(topP, 0, 1)) return false;
  if (tools !== undefined && !(isArrayOfTyped(tools) && tools.length <= CHAT_REQUEST_LIMITS.maxTools)) return false;
  return user === undefined || typeof user === 'string';
}

/** What JSON.parse makes of `{…}`; anything more exotic goes to zod. */
function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

/** An array of objects that each have a string `type` (content parts, tools). */
function isArrayOfTyped(value: unknown): value is unknown[] {
  if (!Array.isArray(value)) return false;
  for (let i = 0; i < value.length; i++) {
    const item = value[i] as unknown;
    if (!isPlainObject(item) || typeof item.type !== 'string') return false;
  }
  return true;
}

function optionalInt(value: unknown, min: number, max: number): boolean {
  return value === undefined || value === null || (Number.isSafeInteger(value) && (value as number) >= min && (value as number) <= max);
}

function optionalNumber(value: unknown, min: number, max: number): boolean {
  return value === undefined || value === null || (typeof value === 'number' && Number.isFinite(value) && value >= min && value <= max);
}
