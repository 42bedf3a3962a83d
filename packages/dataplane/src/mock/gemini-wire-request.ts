import type { GeminiContent, GeminiPart, GeminiRequest } from '../providers/gemini/gemini-wire.ts';
import { estimateTextTokens } from '../metering/estimate-tokens.ts';

/**
 * What the mock's Gemini wire checks in a request, the way the Gemini API refuses it: unknown
 * fields (Gemini answers "Invalid JSON payload received. Unknown name …"), roles other than
 * `user` and `model`, malformed media parts, function results that do not follow a call, and
 * calls sent back without the thought signature the mock gave them (Gemini 3's rule). So an
 * adapter bug shows up as a 400 in tests, as it would against Google.
 */
const REQUEST_FIELDS = new Set(['contents', 'systemInstruction', 'tools', 'toolConfig', 'generationConfig', 'safetySettings', 'cachedContent']);
const GENERATION_FIELDS = new Set([
  'temperature', 'topP', 'topK', 'maxOutputTokens', 'stopSequences', 'candidateCount', 'seed', 'presencePenalty', 'frequencyPenalty',
  'responseMimeType', 'responseSchema', 'responseJsonSchema', 'thinkingConfig', 'responseLogprobs', 'logprobs',
]);

/** The signature the mock attaches to the first function call of an answer. */
export const MOCK_THOUGHT_SIGNATURE = 'bW9jay10aG91Z2h0LXNpZ25hdHVyZQ==';

/** Tokens Gemini counts for one image (up to 384 px on both sides). */
const IMAGE_TOKENS = 258;

/** Returns the reason a request is refused, or null when the Gemini API would take it. */
export function geminiRequestProblem(request: GeminiRequest): string | null {
  for (const field of Object.keys(request)) if (!REQUEST_FIELDS.has(field)) return `Invalid JSON payload received. Unknown name "${field}".`;
  for (const field of Object.keys(request.generationConfig ?? {})) {
    if (!GENERATION_FIELDS.has(field)) return `Invalid JSON payload received. Unknown name "${field}" at 'generation_config'.`;
  }
  if (!Array.isArray(request.contents) || request.contents.length === 0) return '* GenerateContentRequest.contents: contents is not specified';
  for (const [i, content] of request.contents.entries()) {
    if (content.role !== 'user' && content.role !== 'model') return `Please use a valid role: user, model. (contents[${i}])`;
    if (!Array.isArray(content.parts) || content.parts.length === 0) return `* GenerateContentRequest.contents[${i}].parts: contents.parts must not be empty.`;
    const problem = partsProblem(content, request.contents[i - 1], i);
    if (problem !== null) return problem;
  }
  return null;
}

function partsProblem(content: GeminiContent, previous: GeminiContent | undefined, i: number): string | null {
  const responses = content.parts.filter((part) => part.functionResponse !== undefined).length;
  if (responses > 0) {
    const calls = previous?.role === 'model' ? previous.parts.filter((part) => part.functionCall !== undefined).length : 0;
    if (calls !== responses) return `Please ensure that the number of function response parts is equal to the number of function call parts of the function call turn. (contents[${i}])`;
  }
  const firstCall = content.parts.find((part) => part.functionCall !== undefined);
  if (content.role === 'model' && firstCall !== undefined && firstCall.thoughtSignature !== MOCK_THOUGHT_SIGNATURE) {
    return `Function call \`${firstCall.functionCall!.name}\` in the ${i + 1}. content block is missing a \`thought_signature\`.`;
  }
  for (const part of content.parts) {
    if (part.inlineData !== undefined && (typeof part.inlineData.mimeType !== 'string' || !/^[A-Za-z0-9+/]+=*$/.test(part.inlineData.data ?? ''))) return `Invalid inline data in contents[${i}].`;
    if (part.fileData !== undefined && (typeof part.fileData.mimeType !== 'string' || !/^https?:\/\//.test(part.fileData.fileUri ?? ''))) return `Invalid file data in contents[${i}].`;
  }
  return null;
}

/** The text of the last user turn that has some: where the directives are. */
export function lastUserText(request: GeminiRequest): string {
  for (let i = request.contents.length - 1; i >= 0; i--) {
    const content = request.contents[i]!;
    const text = content.parts.map((part) => part.text ?? '').join('');
    if (content.role === 'user' && text !== '') return text;
  }
  return '';
}

/** Prompt tokens as Gemini would count them: the text (o200k here), and a flat 258 per image. */
export async function promptTokensOf(request: GeminiRequest): Promise<number> {
  const parts = [...(request.systemInstruction?.parts ?? []), ...request.contents.flatMap((content) => content.parts)];
  const images = parts.filter((part) => part.inlineData !== undefined || part.fileData !== undefined).length;
  const text = parts.map(partText).join('\n');
  return (text === '' ? 0 : await estimateTextTokens(text)) + images * IMAGE_TOKENS;
}

function partText(part: GeminiPart): string {
  if (typeof part.text === 'string') return part.text;
  if (part.functionCall !== undefined) return part.functionCall.name + JSON.stringify(part.functionCall.args ?? {});
  if (part.functionResponse !== undefined) return part.functionResponse.name + JSON.stringify(part.functionResponse.response);
  return '';
}

/** `mock:echo`: the request as the mock received it, in a compact form tests can match exactly. */
export function summariseGeminiRequest(request: GeminiRequest): Record<string, unknown> {
  const kind = (part: GeminiPart): string => {
    if (part.inlineData !== undefined) return `inlineData:${part.inlineData.mimeType}`;
    if (part.fileData !== undefined) return `fileData:${part.fileData.mimeType}:${part.fileData.fileUri}`;
    if (part.functionCall !== undefined) return `functionCall:${part.functionCall.name}:${JSON.stringify(part.functionCall.args ?? {})}`;
    if (part.functionResponse !== undefined) return `functionResponse:${part.functionResponse.name}:${JSON.stringify(part.functionResponse.response)}`;
    return `text:${part.text ?? ''}`;
  };
  return {
    system: request.systemInstruction?.parts.map((part) => part.text ?? '').join('\n') ?? null,
    turns: request.contents.map((content) => `${content.role}:${content.parts.map(kind).join('|')}`),
    generationConfig: request.generationConfig ?? null,
    toolConfig: request.toolConfig ?? null,
    tools: request.tools?.flatMap((tool) => tool.functionDeclarations.map((declaration) => declaration.name)) ?? [],
  };
}
