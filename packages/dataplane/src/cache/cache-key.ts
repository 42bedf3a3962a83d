import { createHash } from 'node:crypto';
import type { ChatCompletionRequest } from '@proxystacks/shared/openai/wire';

/**
 * Request fields that never change the answer: how it is delivered (`stream`, `stream_options`)
 * and who asked (`user`). Everything else — messages, tools, sampling parameters, even unknown
 * fields an upstream may honour — is part of the key, so a hit is only ever the same question.
 */
const DELIVERY_FIELDS = new Set(['stream', 'stream_options', 'user']);

/** Where an entry may be shared: by every key of the org on the alias, or by one key only. */
export interface CacheScope {
  orgId: string;
  alias: string;
  /** Set when the key opted for caching of its own: its entries are private to it. */
  keyId: string | null;
}

/**
 * The cache key of a chat request: SHA-256 over the scope and the request's canonical JSON
 * (object keys sorted at every depth, delivery fields left out), so the same request written
 * with its keys in another order, or streamed instead of not, finds the same entry.
 */
export function responseCacheKey(scope: CacheScope, request: ChatCompletionRequest): string {
  const hash = createHash('sha256');
  // NUL cannot occur in ids or alias names: the three parts cannot run into one another.
  hash.update(`${scope.orgId}\u0000${scope.alias}\u0000${scope.keyId ?? ''}\u0000`);
  hash.update(canonicalJson(request, true));
  return hash.digest('base64url');
}

/** JSON with object keys sorted at every depth; `top` drops the delivery fields of the request itself. */
export function canonicalJson(value: unknown, top = false): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map((item) => canonicalJson(item)).join(',')}]`;
  const record = value as Record<string, unknown>;
  const parts: string[] = [];
  for (const name of Object.keys(record).sort()) {
    if ((top && DELIVERY_FIELDS.has(name)) || record[name] === undefined) continue;
    parts.push(`${JSON.stringify(name)}:${canonicalJson(record[name])}`);
  }
  return `{${parts.join(',')}}`;
}
