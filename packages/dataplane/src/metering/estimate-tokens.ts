import { countTokens } from 'gpt-tokenizer';
import type { ChatMessage } from '@proxystacks/shared/openai/wire';

/**
 * Token estimates for when a provider reports no usage (a stream cut short, a provider without
 * usage reporting). o200k_base is the tokenizer of OpenAI's current models; for other
 * providers it is an estimate, and events say so (`usage_source = 'estimate'`).
 * Runs after the response has been sent, never before a request is forwarded.
 */
export function estimatePromptTokens(messages: readonly ChatMessage[]): number {
  // OpenAI's chat format costs about 3 tokens per message plus 3 to prime the reply.
  let tokens = 3;
  for (const message of messages) tokens += 3 + countTokens(messageText(message));
  return tokens;
}

/** Tokens of a piece of generated text. */
export function estimateTextTokens(text: string): number {
  return text.length === 0 ? 0 : countTokens(text);
}

/** The text of a message's content (string or text parts); images and audio are not counted. */
export function messageText(message: ChatMessage): string {
  const content = message.content as unknown;
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  let text = '';
  for (const part of content) {
    if (part !== null && typeof part === 'object' && typeof (part as { text?: unknown }).text === 'string') {
      text += (part as { text: string }).text;
    }
  }
  return text;
}
