import type { ChatCompletionRequest } from '@proxystacks/shared/openai/wire';
import type { CompiledKey, CompiledRoute } from '../snapshot/compiled-snapshot.ts';
import { responseCacheKey } from './cache-key.ts';

/** Where a request's answer is looked up and stored, and for how long. */
export interface CachePlan {
  readonly key: string;
  readonly ttlMs: number;
}

/**
 * Whether the response cache applies to a request, from the key's choice and then the alias's:
 * - the key's TTL 0: never (the key opted out);
 * - the key's TTL > 0: yes, for that long, in entries private to the key (it opted in);
 * - otherwise the alias's TTL (null = no cache), entries shared by the organisation's keys.
 * A streamed request with tools is never cached unless the alias allows it: an agent loop that
 * streams tool calls expects a fresh decision each turn.
 */
export function responseCachePlan(route: CompiledRoute, key: CompiledKey, request: ChatCompletionRequest): CachePlan | null {
  const keyTtl = key.responseCacheTtlSeconds ?? null;
  const ttlSeconds = keyTtl ?? route.responseCacheTtlSeconds ?? null;
  if (ttlSeconds === null || ttlSeconds <= 0) return null;
  if (request.stream === true && (request.tools?.length ?? 0) > 0 && route.responseCacheToolStreams !== true) return null;
  const scope = { orgId: key.orgId, alias: route.alias, keyId: keyTtl === null ? null : key.id };
  return { key: responseCacheKey(scope, request), ttlMs: ttlSeconds * 1000 };
}

/** Only whole, successful answers are stored: every choice finished normally. */
export function isCacheableFinish(finishReasons: ReadonlyArray<string | null | undefined>): boolean {
  return finishReasons.length > 0 && finishReasons.every((reason) => reason === 'stop' || reason === 'length' || reason === 'tool_calls');
}
