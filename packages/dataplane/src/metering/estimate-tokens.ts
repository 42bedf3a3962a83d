import type { ChatMessage } from '@proxystacks/shared/openai/wire';

type Tokenizer = typeof import('gpt-tokenizer');
let tokenizer: Promise<Tokenizer> | null = null;

/**
 * The tokenizer's merge tables take about 50 MB once loaded, and with providers that report
 * usage they are rarely needed: load them on the first estimate, not at start-up.
 */
function loadTokenizer(): Promise<Tokenizer> {
  tokenizer ??= import('gpt-tokenizer');
  return tokenizer;
}

/**
 * Token estimates for when a provider reports no usage (a stream cut short, a provider without
 * usage reporting). o200k_base is the tokenizer of OpenAI's current models; for other
 * providers it is an estimate, and events say so (`usage_source = 'estimate'`).
 * Runs after the response has been sent, never before a request is forwarded.
 */
export async function estimatePromptTokens(messages: readonly ChatMessage[]): Promise<number> {
  const { countTokens } = await loadTokenizer();
  // OpenAI's chat format costs about 3 tokens per message plus 3 to prime the reply.
  let tokens = 3;
  for (const message of messages) tokens += 3 + countTokens(messageText(message));
  return tokens;
}

/** Tokens of a piece of generated text. */
export async function estimateTextTokens(text: string): Promise<number> {
  if (text.length === 0) return 0;
  const { countTokens } = await loadTokenizer();
  return countTokens(text);
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
