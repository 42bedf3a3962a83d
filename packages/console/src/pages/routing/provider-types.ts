import type { ProviderType } from './routing.graphql.ts';

/** Provider types in the order the add form offers them, with their display names. */
export const PROVIDER_TYPES: readonly { type: ProviderType; label: string }[] = [
  { type: 'OPENAI', label: 'OpenAI' },
  { type: 'OPENAI_COMPATIBLE', label: 'OpenAI-compatible (vLLM, Ollama, …)' },
  { type: 'ANTHROPIC', label: 'Anthropic' },
  { type: 'GEMINI', label: 'Gemini' },
  { type: 'DEEPSEEK', label: 'DeepSeek' },
  { type: 'AZURE_OPENAI', label: 'Azure OpenAI' },
  { type: 'MOCK', label: 'Mock (built-in test upstream)' },
];

/** Short display name of a provider type, for tables. */
export const PROVIDER_TYPE_LABELS: Record<ProviderType, string> = {
  OPENAI: 'OpenAI',
  OPENAI_COMPATIBLE: 'OpenAI-compatible',
  DEEPSEEK: 'DeepSeek',
  GEMINI: 'Gemini',
  ANTHROPIC: 'Anthropic',
  AZURE_OPENAI: 'Azure OpenAI',
  MOCK: 'Mock',
};
