import { z } from 'zod';
import { RelayError } from '../errors/relay-error.ts';
import type { ChatCompletionRequest } from './wire.ts';
import { passesChatRequestRules } from './chat-request-fast-path.ts';

/**
 * Shallow validation of a chat completion request: the fields Relay itself acts on are checked
 * precisely, everything else passes through for the upstream to judge. Unknown fields are kept
 * (loose objects), never stripped, and bad values are rejected, never clamped.
 */
const messageSchema = z.looseObject({
  role: z.string().min(1),
  content: z.union([z.string(), z.array(z.looseObject({ type: z.string() })), z.null()]).optional(),
});

/**
 * Array limits checked before zod. Zod reports one issue per bad element: 1.4 million bad
 * elements in a 4 MiB body took 3.4–4.8 s of event loop to reject (issue 6). OpenAI caps
 * `messages` at 2,048 and `tools` at 128 with the same `array_above_max_length` code; the
 * content-part limits are ours, far above any real conversation.
 */
export const CHAT_REQUEST_LIMITS = {
  maxMessages: 2_048,
  maxTools: 128,
  maxContentPartsPerMessage: 1_024,
  maxContentPartsTotal: 8_192,
} as const;

/** The rules, in zod: the source of every refusal message (chat-request-fast-path.ts mirrors them for acceptance). */
export const chatRequestSchema = z.looseObject({
  model: z.string().min(1).max(256),
  messages: z.array(messageSchema).min(1).max(CHAT_REQUEST_LIMITS.maxMessages),
  stream: z.boolean().nullable().optional(),
  stream_options: z.looseObject({ include_usage: z.boolean().optional() }).nullable().optional(),
  n: z.int().min(1).max(128).nullable().optional(),
  max_tokens: z.int().min(1).nullable().optional(),
  max_completion_tokens: z.int().min(1).nullable().optional(),
  temperature: z.number().min(0).max(2).nullable().optional(),
  top_p: z.number().min(0).max(1).nullable().optional(),
  tools: z.array(z.looseObject({ type: z.string() })).max(CHAT_REQUEST_LIMITS.maxTools).optional(),
  user: z.string().optional(),
});

/**
 * Validates a parsed JSON body as a chat completion request.
 * Throws RelayError `missing_required_parameter`, `invalid_type` or `invalid_value` with `param`
 * set to the offending path (`messages[0].role`), the way OpenAI reports it.
 */
export function validateChatRequest(body: unknown): ChatCompletionRequest {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new RelayError('invalid_type', 'The request body must be a JSON object.', { param: null });
  }
  checkArrayLengths(body as Record<string, unknown>);
  // The common, valid request is checked by hand and returned as it is (no walk, no copy); zod
  // runs only when that check is unsure, so every refusal keeps zod's exact message.
  if (passesChatRequestRules(body as Record<string, unknown>)) return body as ChatCompletionRequest;
  const result = chatRequestSchema.safeParse(body);
  if (result.success) return result.data as ChatCompletionRequest;
  throw validationError(body, result.error.issues[0]!);
}

/**
 * A zod issue on a request `body` as the RelayError OpenAI would answer with:
 * `missing_required_parameter`, `invalid_type` or `invalid_value`, `param` the offending path.
 */
export function validationError(body: unknown, issue: z.core.$ZodIssue): RelayError {
  const param = formatPath(issue.path);
  if (issue.code === 'invalid_type' && valueAt(body, issue.path) === undefined) {
    return new RelayError('missing_required_parameter', `Missing required parameter: '${param}'.`, { param });
  }
  if (issue.code === 'invalid_type') {
    return new RelayError('invalid_type', `Invalid type for '${param}': expected ${issue.expected}.`, { param });
  }
  return new RelayError('invalid_value', `Invalid value for '${param}': ${issue.message}.`, { param });
}

/**
 * Bounds the arrays zod will walk, so rejecting a hostile body costs little (see CHAT_REQUEST_LIMITS).
 * Anthropic Messages requests have the same `messages[].content` and `tools` arrays and share it.
 */
export function checkArrayLengths(body: Record<string, unknown>): void {
  const { messages, tools } = body;
  if (Array.isArray(tools)) tooLong('tools', tools.length, CHAT_REQUEST_LIMITS.maxTools);
  if (!Array.isArray(messages)) return;
  tooLong('messages', messages.length, CHAT_REQUEST_LIMITS.maxMessages);
  let parts = 0;
  for (let i = 0; i < messages.length; i++) {
    const content = (messages[i] as { content?: unknown } | null)?.content;
    if (!Array.isArray(content)) continue;
    tooLong(`messages[${i}].content`, content.length, CHAT_REQUEST_LIMITS.maxContentPartsPerMessage);
    parts += content.length;
    if (parts > CHAT_REQUEST_LIMITS.maxContentPartsTotal) {
      throw new RelayError('array_above_max_length', `Invalid 'messages': more than ${CHAT_REQUEST_LIMITS.maxContentPartsTotal} content parts in all.`, { param: 'messages' });
    }
  }
}

function tooLong(param: string, length: number, max: number): void {
  if (length <= max) return;
  throw new RelayError(
    'array_above_max_length',
    `Invalid '${param}': array too long. Expected an array with maximum length ${max}, but got an array with length ${length} instead.`,
    { param },
  );
}

/** Zod 4 does not report the offending input by default: look it up to tell "missing" from "mistyped". */
function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let value = root;
  for (const part of path) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Record<PropertyKey, unknown>)[part];
  }
  return value;
}

function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    out += typeof part === 'number' ? `[${part}]` : out === '' ? String(part) : `.${String(part)}`;
  }
  return out;
}
