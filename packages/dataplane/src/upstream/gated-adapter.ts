import { RelayError } from '@proxystacks/shared/errors/relay-error';
import type { EmbeddingCall, ProviderAdapter, UpstreamCall, UpstreamEmbeddings, UpstreamResponse } from '../providers/provider-adapter.ts';
import type { AbortSignalLike } from '../routing/attempt-abort.ts';
import { UpstreamBody } from './upstream-body.ts';
import { OriginGateRejected, type GateRejectReason, type GateSlot, type OriginGate } from './origin-gate.ts';

/**
 * Puts an adapter behind the per-origin gate: each call first takes a slot at its deployment's
 * origin and holds it for the whole upstream exchange, headers through the last body byte,
 * because that is how long the upstream connection is busy. The slot is released exactly once
 * on every path: the adapter throwing (HTTP error, timeout, connection refused), a JSON answer
 * read in full, and a stream that ends, fails, is destroyed, or is abandoned by a client abort.
 *
 * A refused wait becomes `upstream_overloaded` (503, retryable) with the attempt recorded, so
 * the fallback loop moves on to the alias's next deployment, which may be on another origin.
 * While there is such a next deployment the call does not queue at all (`waitForSlot: false`):
 * a busy origin is skipped at once rather than after a full queue timeout.
 */
export function gateAdapter(adapter: ProviderAdapter, gate: OriginGate): ProviderAdapter {
  if (adapter.originOf === undefined) return adapter;
  const originOf = adapter.originOf.bind(adapter);
  return {
    types: adapter.types,
    originOf,
    async chatCompletion(call: UpstreamCall): Promise<UpstreamResponse> {
      const origin = originOf(call.deployment);
      if (origin === null) return adapter.chatCompletion(call);
      const slot = gate.tryAcquire(origin, call.orgId, call.signal) ?? (await acquireSlot(gate, origin, call));
      let response: UpstreamResponse;
      try {
        response = await adapter.chatCompletion(call);
      } catch (err) {
        slot.release();
        throw err;
      }
      if (response.kind === 'json') {
        slot.release();
        return response;
      }
      return { kind: 'stream', body: releaseWhenDone(response.body, slot, call.signal) };
    },
    ...(adapter.embeddings === undefined ? {} : { embeddings: gatedEmbeddings(adapter.embeddings.bind(adapter), originOf, gate) }),
  };
}

/** Embeddings hold their origin's slot until the whole answer is read (the adapter reads it before returning). */
function gatedEmbeddings(embeddings: (call: EmbeddingCall) => Promise<UpstreamEmbeddings>, originOf: NonNullable<ProviderAdapter['originOf']>, gate: OriginGate) {
  return async (call: EmbeddingCall): Promise<UpstreamEmbeddings> => {
    const origin = originOf(call.deployment);
    if (origin === null) return embeddings(call);
    const slot = gate.tryAcquire(origin, call.orgId, call.signal) ?? (await acquireSlot(gate, origin, call));
    try {
      return await embeddings(call);
    } finally {
      slot.release();
    }
  };
}

/** A slot at `origin` for `call`; a refused wait becomes `upstream_overloaded`. */
async function acquireSlot(gate: OriginGate, origin: string, call: UpstreamCall | EmbeddingCall): Promise<GateSlot> {
  try {
    return await gate.acquire(origin, call.orgId, call.signal, call.waitForSlot ?? true);
  } catch (err) {
    if (err instanceof OriginGateRejected) throw overloaded(call, err);
    throw err;
  }
}

const OVERLOADED_MESSAGES: Record<GateRejectReason, string> = {
  timeout: 'The provider of this model is at its connection limit and no connection became free in time. Retry shortly.',
  queue_full: 'The provider of this model is at its connection limit and too many requests are already waiting. Retry shortly.',
  busy: 'The provider of this model is at its connection limit. Retry shortly.',
};

function overloaded(call: UpstreamCall | EmbeddingCall, err: OriginGateRejected): RelayError {
  const { deployment } = call;
  const message = OVERLOADED_MESSAGES[err.reason];
  return new RelayError('upstream_overloaded', message, {
    attempts: [{ providerId: deployment.provider.id, upstreamModel: deployment.upstreamModel, code: 'upstream_overloaded', upstreamStatus: 0 }],
  });
}

/**
 * Releases `slot` when the stream body is over, whatever ends it. An upstream body (undici's,
 * untranslated) says so itself at no cost per chunk; any other iterable is wrapped. The caller's
 * abort signal also releases: on a client abort the upstream request is torn down with it,
 * even if nobody reads the body any more.
 */
function releaseWhenDone(body: AsyncIterable<Uint8Array>, slot: GateSlot, signal: AbortSignalLike): AsyncIterable<Uint8Array> {
  const onAbort = () => release();
  const release = () => {
    signal.removeEventListener('abort', onAbort);
    slot.release();
  };
  if (signal.aborted) release();
  else signal.addEventListener('abort', onAbort, { once: true });
  if (body instanceof UpstreamBody) {
    body.whenSettled(release);
    return body;
  }
  return {
    [Symbol.asyncIterator]() {
      const inner = body[Symbol.asyncIterator]();
      return {
        async next() {
          try {
            const step = await inner.next();
            if (step.done === true) release();
            return step;
          } catch (err) {
            release();
            throw err;
          }
        },
        async return(value?: unknown) {
          release();
          return inner.return ? inner.return(value) : { done: true as const, value: undefined };
        },
      };
    },
  };
}
