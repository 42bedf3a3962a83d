import { RelayError, type AttemptError } from '@proxystacks/shared/errors/relay-error';

/**
 * The error a client gets when the fallback loop ran out of deployments: the last attempt's
 * code, message, `param`, provider code and wait, with every attempt's record, so the event
 * and logs show the whole path while the client sees what would let it act.
 */
export function fallbackExhausted(lastError: RelayError | null, attempts: AttemptError[]): RelayError {
  if (lastError === null) return new RelayError('upstream_error', 'No deployment could serve this model.');
  return new RelayError(lastError.code, lastError.message, {
    param: lastError.param,
    attempts,
    ...(lastError.upstreamErrorCode === undefined ? {} : { upstreamErrorCode: lastError.upstreamErrorCode }),
    ...(lastError.retryAfterSeconds === undefined ? {} : { retryAfterSeconds: lastError.retryAfterSeconds }),
  });
}
