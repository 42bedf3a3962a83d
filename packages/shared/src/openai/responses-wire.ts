/**
 * OpenAI's Responses API wire format (`POST /v1/responses`), as far as Relay reads or writes
 * it: the request a client sends, the `response` object it gets back, and the typed events of a
 * streamed response. Relay serves it on top of chat completions (any upstream), so only the
 * stateless part exists here: no stored responses, no built-in tools.
 * Reference: https://platform.openai.com/docs/api-reference/responses (and openai-node's
 * `src/resources/responses/responses.ts`, which the SDK's stream accumulator follows).
 */

/** A text or image part of an input message; `output_text`/`refusal` appear in assistant turns sent back. */
export type ResponseInputContent =
  | { type: 'input_text'; text: string }
  | { type: 'input_image'; image_url?: string | null; file_id?: string | null; detail?: 'low' | 'high' | 'auto' | 'original' }
  | { type: 'output_text'; text: string; annotations?: unknown[] }
  | { type: 'refusal'; refusal: string };

/** A message of the conversation (`type` may be left out, as in OpenAI's "easy input message"). */
export interface ResponseInputMessage {
  type?: 'message';
  role: 'user' | 'assistant' | 'system' | 'developer';
  content: string | ResponseInputContent[];
  id?: string;
  status?: string;
}

/** A function call the model made in an earlier turn, sent back with its output. */
export interface ResponseFunctionCallItem {
  type: 'function_call';
  call_id: string;
  name: string;
  arguments: string;
  id?: string;
  status?: string;
}

/** The result of a function call, for the model's next turn. */
export interface ResponseFunctionCallOutputItem {
  type: 'function_call_output';
  call_id: string;
  output: string | Array<{ type: 'input_text'; text: string }>;
  id?: string | null;
  status?: string | null;
}

/** A reasoning item from an earlier turn: opaque model state that chat completions cannot carry. */
export interface ResponseReasoningInputItem {
  type: 'reasoning';
  [field: string]: unknown;
}

/** One item of `input` that Relay can translate. */
export type ResponseInputItem = ResponseInputMessage | ResponseFunctionCallItem | ResponseFunctionCallOutputItem | ResponseReasoningInputItem;

/** A function the model may call (the only kind of tool Relay serves; built-in tools are refused). */
export interface ResponseFunctionTool {
  type: 'function';
  name: string;
  description?: string | null;
  parameters?: Record<string, unknown> | null;
  strict?: boolean | null;
}

export type ResponseToolChoice = 'none' | 'auto' | 'required' | { type: 'function'; name: string };

/** `text.format`: plain text, JSON mode, or JSON that follows a schema. */
export type ResponseTextFormat =
  | { type: 'text' }
  | { type: 'json_object' }
  | { type: 'json_schema'; name: string; schema: Record<string, unknown>; description?: string; strict?: boolean | null };

/** `POST /v1/responses` request body, as validated (validate-responses-request.ts). */
export interface ResponsesRequest {
  model: string;
  input: string | ResponseInputItem[];
  instructions?: string | null;
  tools?: ResponseFunctionTool[];
  tool_choice?: ResponseToolChoice;
  parallel_tool_calls?: boolean | null;
  text?: { format?: ResponseTextFormat; verbosity?: 'low' | 'medium' | 'high' | null };
  max_output_tokens?: number | null;
  temperature?: number | null;
  top_p?: number | null;
  stream?: boolean | null;
  /** Accepted and ignored: Relay never stores responses (the answer says `store: false`). */
  store?: boolean | null;
  /** Echoed on the response; never sent upstream. */
  metadata?: Record<string, string> | null;
  user?: string;
  safety_identifier?: string;
  prompt_cache_key?: string;
  service_tier?: string | null;
  reasoning?: { effort?: string | null; summary?: string | null } | null;
  truncation?: 'auto' | 'disabled' | null;
  include?: string[] | null;
  stream_options?: Record<string, unknown> | null;
}

/** Token usage of a response. */
export interface ResponseUsage {
  input_tokens: number;
  input_tokens_details: { cached_tokens: number };
  output_tokens: number;
  output_tokens_details: { reasoning_tokens: number };
  total_tokens: number;
}

export type ResponseItemStatus = 'in_progress' | 'completed' | 'incomplete';

/** Text the model wrote, one part of a message item. */
export interface ResponseOutputText {
  type: 'output_text';
  text: string;
  annotations: unknown[];
  logprobs: unknown[];
}

/** A refusal, in place of text. */
export interface ResponseOutputRefusal {
  type: 'refusal';
  refusal: string;
}

/** An assistant message in `output`. */
export interface ResponseOutputMessage {
  type: 'message';
  id: string;
  status: ResponseItemStatus;
  role: 'assistant';
  content: Array<ResponseOutputText | ResponseOutputRefusal>;
}

/** A function call in `output`; `call_id` ties its `function_call_output` to it. */
export interface ResponseOutputFunctionCall {
  type: 'function_call';
  id: string;
  status: ResponseItemStatus;
  call_id: string;
  name: string;
  arguments: string;
}

export type ResponseOutputItem = ResponseOutputMessage | ResponseOutputFunctionCall;

export type ResponseStatus = 'in_progress' | 'completed' | 'incomplete' | 'failed';

/** The `response` object: the JSON answer, and the payload of the lifecycle events of a stream. */
export interface ResponseObject {
  id: string;
  object: 'response';
  created_at: number;
  status: ResponseStatus;
  completed_at: number | null;
  error: { code: string; message: string } | null;
  incomplete_details: { reason: 'max_output_tokens' | 'content_filter' } | null;
  instructions: string | null;
  max_output_tokens: number | null;
  model: string;
  output: ResponseOutputItem[];
  parallel_tool_calls: boolean;
  previous_response_id: null;
  reasoning: { effort: string | null; summary: string | null };
  store: false;
  temperature: number | null;
  text: { format: ResponseTextFormat; verbosity?: string | null };
  tool_choice: ResponseToolChoice;
  tools: Array<ResponseFunctionTool & { strict: boolean | null; parameters: Record<string, unknown> | null }>;
  top_p: number | null;
  truncation: 'auto' | 'disabled';
  usage: ResponseUsage | null;
  user: string | null;
  metadata: Record<string, string>;
}

/**
 * One event of a streamed response, sent as `event: <type>\ndata: <json>\n\n`. `sequence_number`
 * counts from 0 over the whole stream. The order the SDK's accumulator relies on: created first,
 * an item is added before its parts and deltas, a part is added before its deltas.
 */
export type ResponseStreamEvent =
  | { type: 'response.created' | 'response.in_progress' | 'response.completed' | 'response.incomplete' | 'response.failed'; sequence_number: number; response: ResponseObject }
  | { type: 'response.output_item.added' | 'response.output_item.done'; sequence_number: number; output_index: number; item: ResponseOutputItem }
  | { type: 'response.content_part.added' | 'response.content_part.done'; sequence_number: number; item_id: string; output_index: number; content_index: number; part: ResponseOutputText | ResponseOutputRefusal }
  | { type: 'response.output_text.delta'; sequence_number: number; item_id: string; output_index: number; content_index: number; delta: string; logprobs: unknown[] }
  | { type: 'response.output_text.done'; sequence_number: number; item_id: string; output_index: number; content_index: number; text: string; logprobs: unknown[] }
  | { type: 'response.refusal.delta'; sequence_number: number; item_id: string; output_index: number; content_index: number; delta: string }
  | { type: 'response.refusal.done'; sequence_number: number; item_id: string; output_index: number; content_index: number; refusal: string }
  | { type: 'response.function_call_arguments.delta'; sequence_number: number; item_id: string; output_index: number; delta: string }
  | { type: 'response.function_call_arguments.done'; sequence_number: number; item_id: string; output_index: number; name: string; arguments: string }
  | { type: 'error'; sequence_number: number; code: string | null; message: string; param: string | null };
