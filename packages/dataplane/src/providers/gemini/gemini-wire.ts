/**
 * The Gemini API's native wire format (`generateContent`, `streamGenerateContent?alt=sse`), as
 * far as Relay writes or reads it. Field names are the REST API's camelCase JSON names.
 * References: https://ai.google.dev/api/generate-content and the `types.ts` of Google's
 * js-genai SDK (GenerateContentResponse, Part, GenerationConfig, FunctionCallingConfigMode).
 */

/** One piece of a turn: text, media, a function call or a function's result. */
export interface GeminiPart {
  text?: string;
  /** True on a thought summary (thinking models with `includeThoughts`): never shown as content. */
  thought?: boolean;
  /** Opaque token a thinking model attaches to a function call; it must be sent back with that call. */
  thoughtSignature?: string;
  inlineData?: { mimeType: string; data: string };
  fileData?: { mimeType: string; fileUri: string };
  functionCall?: { name: string; args?: Record<string, unknown>; id?: string };
  functionResponse?: { name: string; response: Record<string, unknown>; id?: string };
  [field: string]: unknown;
}

/** One turn. Gemini knows only two roles: `user` (also carries tool results) and `model`. */
export interface GeminiContent {
  role?: 'user' | 'model';
  parts: GeminiPart[];
}

/** A function the model may call (an OpenAI `tools[].function`). */
export interface GeminiFunctionDeclaration {
  name: string;
  description?: string;
  /** JSON Schema of the arguments, passed as OpenAI clients wrote it. */
  parametersJsonSchema?: Record<string, unknown>;
}

/** `toolConfig.functionCallingConfig.mode`. */
export type GeminiFunctionCallingMode = 'AUTO' | 'ANY' | 'NONE' | 'VALIDATED';

export interface GeminiGenerationConfig {
  temperature?: number;
  topP?: number;
  maxOutputTokens?: number;
  stopSequences?: string[];
  candidateCount?: number;
  seed?: number;
  presencePenalty?: number;
  frequencyPenalty?: number;
  responseMimeType?: string;
  /** Any JSON Schema (the newer alternative to the OpenAPI-subset `responseSchema`). */
  responseJsonSchema?: Record<string, unknown>;
}

/** The body of `POST {base}/models/{model}:generateContent` (and of the streaming variant). */
export interface GeminiRequest {
  contents: GeminiContent[];
  systemInstruction?: { parts: GeminiPart[] };
  tools?: Array<{ functionDeclarations: GeminiFunctionDeclaration[] }>;
  toolConfig?: { functionCallingConfig: { mode: GeminiFunctionCallingMode; allowedFunctionNames?: string[] } };
  generationConfig?: GeminiGenerationConfig;
}

/** Token counts. `promptTokenCount` already includes the cached tokens; thoughts are not in `candidatesTokenCount`. */
export interface GeminiUsageMetadata {
  promptTokenCount?: number;
  candidatesTokenCount?: number;
  cachedContentTokenCount?: number;
  thoughtsTokenCount?: number;
  toolUsePromptTokenCount?: number;
  totalTokenCount?: number;
}

export interface GeminiCandidate {
  index?: number;
  content?: { role?: string; parts?: GeminiPart[] };
  /** STOP, MAX_TOKENS, SAFETY, RECITATION, BLOCKLIST, PROHIBITED_CONTENT, SPII, MALFORMED_FUNCTION_CALL… */
  finishReason?: string;
}

/**
 * A `generateContent` answer, and also each event of a `streamGenerateContent?alt=sse` stream:
 * every event is a whole response object holding only the new parts, usage may ride on any
 * event (the last one counts) and `finishReason` comes with the last candidate event.
 */
export interface GeminiResponse {
  candidates?: GeminiCandidate[];
  usageMetadata?: GeminiUsageMetadata;
  promptFeedback?: { blockReason?: string };
  modelVersion?: string;
  responseId?: string;
}

/** Gemini's error body: `google.rpc.Status` with the HTTP code, a canonical status and typed details. */
export interface GeminiErrorBody {
  error: {
    code: number;
    message: string;
    status: string;
    details?: Array<{ '@type'?: string; reason?: string; retryDelay?: string; [field: string]: unknown }>;
  };
}
