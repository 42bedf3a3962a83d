import { RelayError, isRelayError } from '@proxystacks/shared/errors/relay-error';
import type { MessageSource } from './to-chat-request.ts';

/** Chat request fields that have another name on the Responses API (prefix → Responses param). */
const RENAMED: Array<[RegExp, string]> = [
  [/^response_format\.json_schema(\.(schema|name|strict|description))?/, 'text.format$1'],
  [/^response_format/, 'text.format'],
  [/^max_(completion_)?tokens$/, 'max_output_tokens'],
  [/^tools\[(\d+)\]\.function/, 'tools[$1]'],
  [/^tool_choice.*/, 'tool_choice'],
  [/^reasoning_effort$/, 'reasoning.effort'],
  [/^verbosity$/, 'text.verbosity'],
];

/**
 * A chat request param (`messages[2].content[1].image_url.url`, `response_format.type`) as the
 * Responses request's own (`input[3].content[1].image_url`, `text.format.type`), so a refusal
 * from an upstream adapter points at what the client actually sent. Null stays null; a param
 * with no counterpart is returned unchanged.
 */
export function toResponsesParam(param: string | null, sources: readonly MessageSource[]): string | null {
  if (param === null) return null;
  const message = /^messages\[(\d+)\](.*)$/.exec(param);
  if (message === null) {
    for (const [pattern, replacement] of RENAMED) if (pattern.test(param)) return param.replace(pattern, replacement);
    return param;
  }
  const source = sources[Number(message[1])];
  if (source === undefined) return 'input';
  const rest = message[2]!;
  const toolCall = /^\.tool_calls\[(\d+)\](?:\.function)?(\.(name|arguments))?/.exec(rest);
  if (toolCall !== null) return `${source.toolCalls[Number(toolCall[1])] ?? source.param}${toolCall[2] ?? ''}`;
  if (rest === '.tool_call_id') return `${source.param}.call_id`;
  const part = /^\.content\[(\d+)\](\.image_url)?/.exec(rest);
  if (part !== null && source.param.startsWith('input[')) return `${source.param}${part[0]}`;
  return source.param;
}

/** `err` with its param in Responses terms (see toResponsesParam); anything else unchanged. */
export function withResponsesParam(err: unknown, sources: readonly MessageSource[]): unknown {
  if (!isRelayError(err) || err.param === null) return err;
  const param = toResponsesParam(err.param, sources);
  if (param === err.param) return err;
  return new RelayError(err.code, err.message, {
    param,
    attempts: err.attempts,
    cause: err,
    ...(err.upstreamErrorCode === undefined ? {} : { upstreamErrorCode: err.upstreamErrorCode }),
    ...(err.retryAfterSeconds === undefined ? {} : { retryAfterSeconds: err.retryAfterSeconds }),
  });
}
