import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { RelayError } from '@proxystacks/shared/errors/relay-error';
import { toOpenAIError } from '@proxystacks/shared/errors/openai-error';
import { quotaLeaseRequestSchema } from '@proxystacks/shared/quota/lease-protocol';
import { readLimitedBody } from '../internal/ingest-events.ts';
import type { QuotaService } from './quota-service.ts';

/** Largest renewal body taken: 10 000 counters of ~100 bytes. */
export const MAX_QUOTA_BODY_BYTES = 2 * 1024 * 1024;

/**
 * POST /internal/v1/quota (the caller's internal token is already checked): 200 with the grants,
 * 400 naming what is wrong with a malformed demand, 413 past MAX_QUOTA_BODY_BYTES, 503 when the
 * database cannot answer (the data plane keeps its grants until they expire and retries).
 */
export async function serveQuotaLease(req: IncomingMessage, res: ServerResponse, quota: QuotaService, logger: Pick<Logger, 'error'>): Promise<void> {
  const body = await readLimitedBody(req, MAX_QUOTA_BODY_BYTES);
  if (body === 'too large') return sendError(res, new RelayError('body_too_large', `Quota demand larger than ${MAX_QUOTA_BODY_BYTES} bytes.`));
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    return sendError(res, new RelayError('invalid_json', 'Body is not JSON.'));
  }
  const demand = quotaLeaseRequestSchema.safeParse(parsed);
  if (!demand.success) {
    const issue = demand.error.issues[0]!;
    const param = issue.path.join('.');
    return sendError(res, new RelayError('invalid_value', `Invalid quota demand: ${param === '' ? '' : `${param}: `}${issue.message}.`, { param: param || null }));
  }
  let answer;
  try {
    answer = await quota.lease(demand.data);
  } catch (err) {
    logger.error({ reason: (err as Error).message }, 'quota lease failed');
    return sendError(res, new RelayError('not_ready', 'Quota service unavailable; keep the current grants and retry.'));
  }
  const text = JSON.stringify(answer);
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store' }).end(text);
}

function sendError(res: ServerResponse, err: unknown): void {
  if (res.destroyed) return;
  const { status, body } = toOpenAIError(err, 'internal-quota');
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) }).end(text);
}
