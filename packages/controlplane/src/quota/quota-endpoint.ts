import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { RelayError } from '@proxystacks/shared/errors/relay-error';
import { quotaLeaseRequestSchema } from '@proxystacks/shared/quota/lease-protocol';
import { readValidatedBody, sendInternalError } from '../internal/read-validated-body.ts';
import type { QuotaService } from './quota-service.ts';

/** Largest renewal body taken: 10 000 counters of ~100 bytes. */
export const MAX_QUOTA_BODY_BYTES = 2 * 1024 * 1024;

/**
 * POST /internal/v1/quota (the caller's internal token is already checked): 200 with the grants,
 * 400 naming what is wrong with a malformed demand, 413 past MAX_QUOTA_BODY_BYTES, 503 when the
 * database cannot answer (the data plane keeps its grants until they expire and retries).
 */
export async function serveQuotaLease(req: IncomingMessage, res: ServerResponse, quota: QuotaService, logger: Pick<Logger, 'error'>): Promise<void> {
  const demand = await readValidatedBody(req, res, { maxBytes: MAX_QUOTA_BODY_BYTES, schema: quotaLeaseRequestSchema, what: 'Quota demand', requestId: 'internal-quota' });
  if (demand === null) return;
  let answer;
  try {
    answer = await quota.lease(demand);
  } catch (err) {
    logger.error({ reason: (err as Error).message }, 'quota lease failed');
    return sendInternalError(res, new RelayError('not_ready', 'Quota service unavailable; keep the current grants and retry.'), 'internal-quota');
  }
  const text = JSON.stringify(answer);
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store' }).end(text);
}
