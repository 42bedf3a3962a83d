/**
 * The Anthropic Messages API wire format (`POST /v1/messages`), as far as Relay writes or reads
 * it: the upstream adapter sends it, the mock provider answers in it. Checked against the
 * published SDK types (anthropics/anthropic-sdk-typescript, src/resources/messages/messages.ts
 * and src/resources/shared.ts). Fields Relay does not use are left out; unknown fields on
 * answers are ignored by the readers, as Anthropic's versioning policy asks.
 */

/** The `anthropic-version` Relay speaks. */
export const ANTHROPIC_VERSION = '2023-06-01';

/** A text block. */
export interface AnthropicTextBlock {
  type: 'text';
  text: string;
}

/** An image: inline base64 data or a URL Anthropic fetches itself. */
export interface AnthropicImageBlock {
  type: 'image';
  source: { type: 'base64'; media_type: AnthropicImageMediaType; data: string } | { type: 'url'; url: string };
}

/** Image media types the Messages API accepts. */
export type AnthropicImageMediaType = 'image/jpeg' | 'image/png' | 'image/gif' | 'image/webp';

/** A call the assistant asked for; `input` is always a JSON object. */
export interface AnthropicToolUseBlock {
  type: 'tool_use';
  id: string;
  name: string;
  input: Record<string, unknown>;
}

/** The result of a tool call, sent back in a user message. */
export interface AnthropicToolResultBlock {
  type: 'tool_result';
  tool_use_id: string;
  content: string | Array<AnthropicTextBlock | AnthropicImageBlock>;
  is_error?: boolean;
}

/** Extended thinking, returned when the request enables it. */
export interface AnthropicThinkingBlock {
  type: 'thinking';
  thinking: string;
  signature: string;
}

/** A block of a request message. */
export type AnthropicContentBlockParam = AnthropicTextBlock | AnthropicImageBlock | AnthropicToolUseBlock | AnthropicToolResultBlock;

/** One message of the conversation; roles alternate, and the system prompt is not a message. */
export interface AnthropicMessageParam {
  role: 'user' | 'assistant';
  content: string | AnthropicContentBlockParam[];
}

/** A tool the model may call. */
export interface AnthropicTool {
  name: string;
  description?: string;
  input_schema: Record<string, unknown>;
}

/** How the model may use tools. `any` is OpenAI's `required`. */
export type AnthropicToolChoice =
  | { type: 'auto'; disable_parallel_tool_use?: boolean }
  | { type: 'any'; disable_parallel_tool_use?: boolean }
  | { type: 'tool'; name: string; disable_parallel_tool_use?: boolean }
  | { type: 'none' };

/** `POST /v1/messages` request body. */
export interface AnthropicMessagesRequest {
  model: string;
  messages: AnthropicMessageParam[];
  /** Required by Anthropic (no server default). */
  max_tokens: number;
  system?: string | AnthropicTextBlock[];
  temperature?: number;
  top_p?: number;
  stop_sequences?: string[];
  stream?: boolean;
  tools?: AnthropicTool[];
  tool_choice?: AnthropicToolChoice;
  metadata?: { user_id?: string };
}

/** Why generation stopped. */
export type AnthropicStopReason = 'end_turn' | 'max_tokens' | 'stop_sequence' | 'tool_use' | 'pause_turn' | 'refusal' | 'model_context_window_exceeded';

/**
 * Token usage. `input_tokens` excludes the cached parts: the prompt is input + cache read +
 * cache creation. `output_tokens` includes thinking, broken out in `output_tokens_details`.
 */
export interface AnthropicUsage {
  input_tokens?: number | null;
  output_tokens?: number | null;
  cache_creation_input_tokens?: number | null;
  cache_read_input_tokens?: number | null;
  output_tokens_details?: { thinking_tokens?: number | null } | null;
}

/** A block of an answer. Other types (server tools, redacted thinking) may appear and are skipped. */
export type AnthropicContentBlock = AnthropicTextBlock | AnthropicToolUseBlock | AnthropicThinkingBlock | { type: string; [field: string]: unknown };

/** `POST /v1/messages` answer. */
export interface AnthropicMessage {
  id: string;
  type: 'message';
  role: 'assistant';
  model: string;
  content: AnthropicContentBlock[];
  stop_reason: AnthropicStopReason | null;
  stop_sequence: string | null;
  usage: AnthropicUsage;
}

/** Error types Anthropic answers with (`error.type`). */
export type AnthropicErrorType =
  | 'invalid_request_error'
  | 'authentication_error'
  | 'billing_error'
  | 'permission_error'
  | 'not_found_error'
  | 'request_too_large'
  | 'rate_limit_error'
  | 'timeout_error'
  | 'api_error'
  | 'overloaded_error';

/** Anthropic's error type for each HTTP status it answers with (https://docs.anthropic.com/en/api/errors). */
export const ANTHROPIC_ERROR_TYPE_BY_STATUS: Readonly<Record<number, AnthropicErrorType>> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  402: 'billing_error',
  403: 'permission_error',
  404: 'not_found_error',
  413: 'request_too_large',
  429: 'rate_limit_error',
  500: 'api_error',
  504: 'timeout_error',
  529: 'overloaded_error',
};

/** An error body, also the payload of a mid-stream `error` event. */
export interface AnthropicErrorBody {
  type: 'error';
  error: { type: AnthropicErrorType | (string & {}); message: string };
  request_id?: string | null;
}

/** A delta inside `content_block_delta`. */
export type AnthropicBlockDelta =
  | { type: 'text_delta'; text: string }
  | { type: 'input_json_delta'; partial_json: string }
  | { type: 'thinking_delta'; thinking: string }
  | { type: 'signature_delta'; signature: string }
  | { type: 'citations_delta'; [field: string]: unknown };

/**
 * One event of a streamed answer, in order: `message_start`, then per block
 * `content_block_start`, `content_block_delta`…, `content_block_stop`, then `message_delta`
 * (stop reason, cumulative usage) and `message_stop`. `ping` may come anywhere; `error` ends it.
 */
export type AnthropicStreamEvent =
  | { type: 'message_start'; message: AnthropicMessage }
  | { type: 'content_block_start'; index: number; content_block: AnthropicContentBlock }
  | { type: 'content_block_delta'; index: number; delta: AnthropicBlockDelta }
  | { type: 'content_block_stop'; index: number }
  | { type: 'message_delta'; delta: { stop_reason: AnthropicStopReason | null; stop_sequence: string | null }; usage: AnthropicUsage }
  | { type: 'message_stop' }
  | { type: 'ping' }
  | AnthropicErrorBody;
