import { RelayError } from '@proxystacks/shared/errors/relay-error';
import { ANTHROPIC_VERSION, type AnthropicMessage } from '@proxystacks/shared/anthropic/messages-wire';
import type { ProviderAdapter, UpstreamCall, UpstreamResponse } from '../provider-adapter.ts';
import { parseRetryAfterSeconds } from '../retry-after.ts';
import { postUpstream, readUpstreamAnswer, readUpstreamErrorText, type PostUpstreamOptions } from '../post-upstream.ts';
import type { CompiledDeployment } from '../../snapshot/compiled-snapshot.ts';
import { originOfUrl } from '../../upstream/origin-of-url.ts';
import { anthropicHttpError } from './anthropic-errors.ts';
import { fromAnthropicMessage } from './from-anthropic-message.ts';
import { translateAnthropicStream } from './stream-translator.ts';
import { toAnthropicRequest } from './to-anthropic-request.ts';

/** Where the Messages API lives when an `anthropic` provider sets no base URL. */
export const ANTHROPIC_DEFAULT_BASE_URL = 'https://api.anthropic.com/v1';

/** Options of {@link createAnthropicAdapter}. */
export interface AnthropicAdapterOptions extends PostUpstreamOptions {
  /** Largest JSON answer accepted (UPSTREAM_MAX_BODY_BYTES). */
  maxBodyBytes: number;
  /** Largest single upstream SSE event accepted (UPSTREAM_MAX_SSE_EVENT_BYTES). */
  maxSseEventBytes: number;
}

/**
 * The adapter for Anthropic's Messages API: `POST {base}/messages` with `x-api-key` and
 * `anthropic-version`, through the same guarded keep-alive pool, timeouts and per-origin gate
 * as every upstream. The OpenAI request is translated (to-anthropic-request.ts) and the answer
 * translated back into OpenAI's wire, JSON or SSE, so the relay, metering and events after it
 * are the same as for any provider.
 */
export function createAnthropicAdapter(options: AnthropicAdapterOptions): ProviderAdapter {
  const baseUrlOf = (deployment: CompiledDeployment): string => deployment.provider.baseUrl ?? ANTHROPIC_DEFAULT_BASE_URL;
  return {
    types: ['anthropic'],
    originOf: (deployment) => originOfUrl(baseUrlOf(deployment)),
    async chatCompletion(call: UpstreamCall): Promise<UpstreamResponse> {
      const { deployment } = call;
      // A request Anthropic cannot serve is refused before any upstream call.
      const plan = toAnthropicRequest(call.request, deployment.upstreamModel, call.stream);
      const headers: Record<string, string> = {
        'content-type': 'application/json',
        accept: call.stream ? 'text/event-stream' : 'application/json',
        'anthropic-version': ANTHROPIC_VERSION,
      };
      if (deployment.provider.credential !== null) headers['x-api-key'] = deployment.provider.credential;
      const url = `${baseUrlOf(deployment).replace(/\/+$/, '')}/messages`;
      const response = await postUpstream(call, url, headers, JSON.stringify(plan.body), options);
      if (response.statusCode >= 400) {
        const retryAfterSeconds = parseRetryAfterSeconds(response.headers['retry-after']);
        throw anthropicHttpError(deployment, response.statusCode, await readUpstreamErrorText(response), retryAfterSeconds);
      }
      const createdS = Math.floor(Date.now() / 1000);
      if (call.stream) {
        return { kind: 'stream', body: translateAnthropicStream(response.body, { jsonToolName: plan.jsonToolName, createdS, maxEventBytes: options.maxSseEventBytes }) };
      }
      const bytes = await readUpstreamAnswer(call, response, options.maxBodyBytes);
      let message: AnthropicMessage;
      try {
        message = JSON.parse(bytes.toString('utf8')) as AnthropicMessage;
      } catch {
        throw invalidAnswer(deployment);
      }
      if (message === null || typeof message !== 'object' || !Array.isArray(message.content)) throw invalidAnswer(deployment);
      return { kind: 'json', body: Buffer.from(JSON.stringify(fromAnthropicMessage(message, plan.jsonToolName, createdS))) };
    },
  };
}

function invalidAnswer(deployment: CompiledDeployment): RelayError {
  return new RelayError('upstream_error', 'The upstream provider answered with invalid JSON.', {
    attempts: [{ providerId: deployment.provider.id, upstreamModel: deployment.upstreamModel, code: 'upstream_error', upstreamStatus: 200 }],
  });
}
