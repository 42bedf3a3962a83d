import { z } from 'zod';
import { RelayError } from '@proxystacks/shared/errors/relay-error';
import type { AnthropicMessagesRequest } from '@proxystacks/shared/anthropic/messages-wire';
import { checkArrayLengths, validationError } from '@proxystacks/shared/openai/validate-request';

/**
 * An inbound `POST /v1/messages` body after validation: Anthropic's request, plus the fields
 * Relay reads only to say it cannot honour them (`top_k`, `thinking`). Content blocks are
 * checked one by one when they are translated (to-chat-messages.ts), where the path of a bad
 * block is known.
 */
export type InboundMessagesRequest = Omit<AnthropicMessagesRequest, 'messages' | 'system' | 'tools' | 'tool_choice'> & {
  messages: Array<{ role: 'user' | 'assistant'; content: string | Array<{ type: string; [field: string]: unknown }> }>;
  system?: string | Array<{ type: string; text?: unknown; [field: string]: unknown }>;
  tools?: Array<{ name: string; description?: string; input_schema?: Record<string, unknown>; type?: string; [field: string]: unknown }>;
  tool_choice?: { type: 'auto' | 'any' | 'none'; disable_parallel_tool_use?: boolean } | { type: 'tool'; name: string; disable_parallel_tool_use?: boolean };
  top_k?: number;
  thinking?: unknown;
};

const block = z.looseObject({ type: z.string() });
const parallel = { disable_parallel_tool_use: z.boolean().optional() };

/**
 * The fields Relay acts on, checked as Anthropic's API checks them (`max_tokens` required,
 * `temperature` 0–1, roles user and assistant); unknown fields are kept, bad values are
 * refused, never clamped.
 */
const messagesRequestSchema = z.looseObject({
  model: z.string().min(1).max(256),
  max_tokens: z.int().min(1),
  messages: z.array(z.looseObject({ role: z.enum(['user', 'assistant']), content: z.union([z.string(), z.array(block)]) })).min(1),
  system: z.union([z.string(), z.array(block)]).optional(),
  stream: z.boolean().optional(),
  temperature: z.number().min(0).max(1).optional(),
  top_p: z.number().min(0).max(1).optional(),
  top_k: z.int().min(0).optional(),
  stop_sequences: z.array(z.string()).optional(),
  tools: z.array(z.looseObject({ name: z.string().min(1).max(128), description: z.string().optional(), type: z.string().optional() })).optional(),
  tool_choice: z
    .discriminatedUnion('type', [
      z.looseObject({ type: z.literal('auto'), ...parallel }),
      z.looseObject({ type: z.literal('any'), ...parallel }),
      z.looseObject({ type: z.literal('none') }),
      z.looseObject({ type: z.literal('tool'), name: z.string().min(1), ...parallel }),
    ])
    .optional(),
  metadata: z.looseObject({ user_id: z.string().max(256).nullable().optional() }).nullable().optional(),
});

/** `/v1/messages/count_tokens` takes the same body without `max_tokens` and `stream`. */
const countTokensSchema = messagesRequestSchema.omit({ max_tokens: true, stream: true });

/**
 * Validates a parsed JSON body as an Anthropic Messages request (`countTokens`: as a
 * count_tokens request). Throws RelayError `missing_required_parameter`, `invalid_type` or
 * `invalid_value` with `param` set to the offending path, as the chat route does; array
 * lengths are bounded first (the chat route's limits), so a hostile body is cheap to refuse.
 */
export function validateMessagesRequest(body: unknown, { countTokens = false } = {}): InboundMessagesRequest {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new RelayError('invalid_type', 'The request body must be a JSON object.', { param: null });
  }
  checkArrayLengths(body as Record<string, unknown>);
  const result = (countTokens ? countTokensSchema : messagesRequestSchema).safeParse(body);
  if (!result.success) throw validationError(body, result.error.issues[0]!);
  return result.data as InboundMessagesRequest;
}
