import type { ProviderType } from '../snapshot/config-snapshot.ts';

/**
 * Ready-made settings for the OpenAI-compatible family and Azure OpenAI: picking one in the
 * console fills the provider form (type, base URL, headers), so an admin does not have to look
 * up each vendor's endpoint. A preset is only a starting point — everything stays editable and
 * nothing about it is stored: the provider keeps the resulting type, URL and headers.
 *
 * Local servers (vLLM, Ollama, LM Studio) listen on loopback or a private address by default:
 * the provider base-URL policy refuses those unless `PROVIDER_URL_ALLOW_PRIVATE` (or the allow
 * list) lets them through — the console says so next to the preset.
 */
export interface ProviderPreset {
  readonly id: string;
  readonly label: string;
  readonly type: ProviderType;
  /** Filled into the form; for Azure a pattern the admin completes with the resource name. */
  readonly baseUrl: string;
  /** Whether the vendor needs an API key (local servers usually do not). */
  readonly needsCredential: boolean;
  /** Non-secret headers the vendor asks for on every request (e.g. OpenRouter's attribution). */
  readonly extraHeaders: Readonly<Record<string, string>>;
  /** Azure only: the REST API version sent as `api-version`. */
  readonly apiVersion: string | null;
  /** Where the base URL points at a private address the URL policy must allow. */
  readonly local: boolean;
  readonly note: string;
}

/** The `api-version` used for Azure OpenAI when the provider names none (GA, supports streaming usage and tools). */
export const DEFAULT_AZURE_API_VERSION = '2024-10-21';

export const PROVIDER_PRESETS: readonly ProviderPreset[] = [
  {
    id: 'azure-openai',
    label: 'Azure OpenAI',
    type: 'azure_openai',
    baseUrl: 'https://<resource>.openai.azure.com',
    needsCredential: true,
    extraHeaders: {},
    apiVersion: DEFAULT_AZURE_API_VERSION,
    local: false,
    note: 'Routes name the Azure deployment as their upstream model; the key goes in the api-key header.',
  },
  {
    id: 'groq',
    label: 'Groq',
    type: 'openai_compatible',
    baseUrl: 'https://api.groq.com/openai/v1',
    needsCredential: true,
    extraHeaders: {},
    apiVersion: null,
    local: false,
    note: 'OpenAI-compatible chat completions.',
  },
  {
    id: 'together',
    label: 'Together AI',
    type: 'openai_compatible',
    baseUrl: 'https://api.together.xyz/v1',
    needsCredential: true,
    extraHeaders: {},
    apiVersion: null,
    local: false,
    note: 'OpenAI-compatible chat completions and embeddings.',
  },
  {
    id: 'mistral',
    label: 'Mistral',
    type: 'openai_compatible',
    baseUrl: 'https://api.mistral.ai/v1',
    needsCredential: true,
    extraHeaders: {},
    apiVersion: null,
    local: false,
    note: 'OpenAI-compatible chat completions and embeddings.',
  },
  {
    id: 'openrouter',
    label: 'OpenRouter',
    type: 'openai_compatible',
    baseUrl: 'https://openrouter.ai/api/v1',
    needsCredential: true,
    extraHeaders: { 'HTTP-Referer': 'https://relay.example.com', 'X-Title': 'ProxyStacks Relay' },
    apiVersion: null,
    local: false,
    note: 'Attribution headers are optional; put your own site and name in them.',
  },
  {
    id: 'vllm',
    label: 'vLLM',
    type: 'openai_compatible',
    baseUrl: 'http://127.0.0.1:8000/v1',
    needsCredential: false,
    extraHeaders: {},
    apiVersion: null,
    local: true,
    note: 'Set a key only if the server was started with --api-key.',
  },
  {
    id: 'ollama',
    label: 'Ollama',
    type: 'openai_compatible',
    baseUrl: 'http://127.0.0.1:11434/v1',
    needsCredential: false,
    extraHeaders: {},
    apiVersion: null,
    local: true,
    note: "Ollama's OpenAI-compatible endpoint; no key needed.",
  },
  {
    id: 'lm-studio',
    label: 'LM Studio',
    type: 'openai_compatible',
    baseUrl: 'http://127.0.0.1:1234/v1',
    needsCredential: false,
    extraHeaders: {},
    apiVersion: null,
    local: true,
    note: "LM Studio's local server; no key needed.",
  },
];

/**
 * Header names a provider's extra headers may not set: the adapter owns framing, content and
 * credentials (a stray `authorization` would bypass the sealed credential and leak into audit).
 */
export const RESERVED_UPSTREAM_HEADERS: ReadonlySet<string> = new Set([
  'host',
  'content-length',
  'content-type',
  'transfer-encoding',
  'connection',
  'keep-alive',
  'upgrade',
  'te',
  'trailer',
  'proxy-authorization',
  'authorization',
  'api-key',
  'x-api-key',
  'x-goog-api-key',
  'anthropic-version',
  'accept',
  'accept-encoding',
  'cookie',
]);

/** RFC 9110 token characters: what a header name may be made of. */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,100}$/;

/** At most this many extra headers per provider. */
export const MAX_EXTRA_HEADERS = 16;

/**
 * Why an extra header cannot be used, or null when it can. Values are visible configuration,
 * not secrets: they are shown in the console and audit trail (credentials belong in the
 * provider's sealed credential).
 */
export function extraHeaderProblem(name: string, value: string): string | null {
  if (!HEADER_NAME.test(name)) return `'${name.slice(0, 100)}' is not a valid header name`;
  if (RESERVED_UPSTREAM_HEADERS.has(name.toLowerCase())) return `'${name}' is set by the gateway itself and cannot be overridden`;
  // Visible ASCII and spaces/tabs only: no CR/LF (header injection) or other control bytes.
  if (!/^[\t\x20-\x7e]{0,1024}$/.test(value)) return `the value of '${name}' must be at most 1024 printable ASCII characters`;
  return null;
}
