import { z } from 'zod';
import { RelayError } from '../errors/relay-error.ts';
import type { ChatCompletionRequest } from './wire.ts';

/**
 * Shallow validation of a chat completion request: the fields Relay itself acts on are checked
 * precisely, everything else passes through for the upstream to judge. Unknown fields are kept
 * (loose objects), never stripped, and bad values are rejected, never clamped.
 */
const messageSchema = z.looseObject({
  role: z.string().min(1),
  content: z.union([z.string(), z.array(z.looseObject({ type: z.string() })), z.null()]).optional(),
});

const chatRequestSchema = z.looseObject({
  model: z.string().min(1).max(256),
  messages: z.array(messageSchema).min(1),
  stream: z.boolean().nullable().optional(),
  stream_options: z.looseObject({ include_usage: z.boolean().optional() }).nullable().optional(),
  n: z.int().min(1).max(128).nullable().optional(),
  max_tokens: z.int().min(1).nullable().optional(),
  max_completion_tokens: z.int().min(1).nullable().optional(),
  temperature: z.number().min(0).max(2).nullable().optional(),
  top_p: z.number().min(0).max(1).nullable().optional(),
  tools: z.array(z.looseObject({ type: z.string() })).optional(),
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
  const result = chatRequestSchema.safeParse(body);
  if (result.success) return result.data as ChatCompletionRequest;
  const issue = result.error.issues[0]!;
  const param = formatPath(issue.path);
  if (issue.code === 'invalid_type' && valueAt(body, issue.path) === undefined) {
    throw new RelayError('missing_required_parameter', `Missing required parameter: '${param}'.`, { param });
  }
  if (issue.code === 'invalid_type') {
    throw new RelayError('invalid_type', `Invalid type for '${param}': expected ${issue.expected}.`, { param });
  }
  throw new RelayError('invalid_value', `Invalid value for '${param}': ${issue.message}.`, { param });
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
