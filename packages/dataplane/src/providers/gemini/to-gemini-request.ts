import { RelayError } from '@proxystacks/shared/errors/relay-error';
import type { ChatCompletionRequest } from '@proxystacks/shared/openai/wire';
import type { GeminiGenerationConfig, GeminiRequest } from './gemini-wire.ts';
import { toGeminiConversation } from './to-gemini-contents.ts';

/**
 * OpenAI parameters Gemini has no equivalent for. Refused with 400 `unsupported_parameter`
 * rather than dropped, so a client never gets an answer that silently ignored what it asked.
 */
const UNSUPPORTED = ['logit_bias', 'logprobs', 'top_logprobs', 'audio', 'modalities', 'prediction', 'web_search_options'] as const;

/**
 * An OpenAI chat request as a Gemini `generateContent` body. Throws RelayError (400, with
 * `param`) for what cannot be translated faithfully.
 */
export function toGeminiRequest(request: ChatCompletionRequest): GeminiRequest {
  for (const name of UNSUPPORTED) {
    const value = request[name];
    if (value !== undefined && value !== null && value !== false) {
      throw new RelayError('unsupported_parameter', `Unsupported parameter: '${name}' is not supported with Gemini models.`, { param: name });
    }
  }
  const { systemInstruction, contents } = toGeminiConversation(request.messages);
  const out: GeminiRequest = { contents };
  if (systemInstruction !== undefined) out.systemInstruction = systemInstruction;
  const tools = request.tools ?? [];
  if (tools.length > 0) {
    out.tools = [
      {
        functionDeclarations: tools.map((tool) => ({
          name: tool.function.name,
          ...(tool.function.description === undefined ? {} : { description: tool.function.description }),
          ...(tool.function.parameters === undefined ? {} : { parametersJsonSchema: tool.function.parameters }),
        })),
      },
    ];
  }
  const toolConfig = toolConfigOf(request.tool_choice);
  if (toolConfig !== undefined) out.toolConfig = toolConfig;
  const generationConfig = generationConfigOf(request);
  if (Object.keys(generationConfig).length > 0) out.generationConfig = generationConfig;
  return out;
}

/** `tool_choice` → `functionCallingConfig`: auto → AUTO, none → NONE, required → ANY, a named function → ANY limited to it. */
function toolConfigOf(choice: ChatCompletionRequest['tool_choice']): GeminiRequest['toolConfig'] {
  if (choice === undefined || choice === null) return undefined;
  if (choice === 'auto') return { functionCallingConfig: { mode: 'AUTO' } };
  if (choice === 'none') return { functionCallingConfig: { mode: 'NONE' } };
  if (choice === 'required') return { functionCallingConfig: { mode: 'ANY' } };
  const name = typeof choice === 'object' ? choice.function?.name : undefined;
  if (typeof name !== 'string') throw new RelayError('invalid_value', "Invalid value for 'tool_choice'.", { param: 'tool_choice' });
  return { functionCallingConfig: { mode: 'ANY', allowedFunctionNames: [name] } };
}

function generationConfigOf(request: ChatCompletionRequest): GeminiGenerationConfig {
  const config: GeminiGenerationConfig = {};
  const number = (name: string): number | undefined => {
    const value = request[name];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'number' || !Number.isFinite(value)) throw new RelayError('invalid_type', `Invalid type for '${name}': expected a number.`, { param: name });
    return value;
  };
  const temperature = number('temperature');
  if (temperature !== undefined) config.temperature = temperature;
  const topP = number('top_p');
  if (topP !== undefined) config.topP = topP;
  const maxTokens = number('max_completion_tokens') ?? number('max_tokens');
  if (maxTokens !== undefined) config.maxOutputTokens = maxTokens;
  const n = number('n');
  if (n !== undefined && n !== 1) config.candidateCount = n;
  const seed = number('seed');
  if (seed !== undefined) config.seed = seed;
  const presence = number('presence_penalty');
  if (presence !== undefined) config.presencePenalty = presence;
  const frequency = number('frequency_penalty');
  if (frequency !== undefined) config.frequencyPenalty = frequency;
  const stop = request.stop;
  if (typeof stop === 'string') config.stopSequences = [stop];
  else if (Array.isArray(stop) && stop.length > 0) config.stopSequences = stop;
  Object.assign(config, responseFormatOf(request.response_format));
  return config;
}

/** `response_format`: json_object → JSON MIME type; json_schema → JSON MIME type plus the schema (`responseJsonSchema` takes JSON Schema as OpenAI clients write it). */
function responseFormatOf(format: unknown): GeminiGenerationConfig {
  if (format === undefined || format === null) return {};
  const type = (format as { type?: unknown }).type;
  if (type === 'text') return {};
  if (type === 'json_object') return { responseMimeType: 'application/json' };
  if (type === 'json_schema') {
    const schema = (format as { json_schema?: { schema?: unknown } }).json_schema?.schema;
    if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) {
      throw new RelayError('missing_required_parameter', "Missing required parameter: 'response_format.json_schema.schema'.", { param: 'response_format.json_schema.schema' });
    }
    return { responseMimeType: 'application/json', responseJsonSchema: schema as Record<string, unknown> };
  }
  throw new RelayError('invalid_value', "Invalid value for 'response_format.type': expected 'text', 'json_object' or 'json_schema'.", { param: 'response_format.type' });
}
