import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { z } from 'zod';
import { RelayError } from '@proxystacks/shared/errors/relay-error';
import { toOpenAIError } from '@proxystacks/shared/errors/openai-error';
import { insertErrorName, isPermanentInsertError } from '@proxystacks/shared/events/insert-errors';
import { encodeRequestEvents, insertRequestEvents } from '@proxystacks/shared/events/insert-request-events';
import { EventValidationError, validateRequestEvent, type RequestEvent } from '@proxystacks/shared/events/request-event';
import type { ClickHouse } from '../analytics/clickhouse.ts';
import type { PrismaClient } from '../generated/prisma/client.ts';
import { postRequestCharges } from '../ledger/request-postings.ts';
import type { BatchIdMemory } from './batch-id-memory.ts';
import type { RequestTail } from '../analytics/request-tail.ts';

/** Largest event batch body taken (a data plane cuts its batches at 10,000 events or 8 MiB, ~10 MB of JSON at most). */
export const MAX_EVENTS_BODY_BYTES = 32 * 1024 * 1024;

/**
 * Past the limit the rest of an oversized body is read and thrown away (up to this much) so the
 * 413 reaches the client: closing a socket with unread input makes the kernel send a reset,
 * and the client sees "connection reset" instead of the answer.
 */
const MAX_DISCARD_BYTES = 256 * 1024 * 1024;

const batchSchema = z.strictObject({
  batchId: z.string().min(8).max(100),
  events: z.array(z.unknown()).min(1).max(50_000),
});

export interface IngestDeps {
  clickhouse: ClickHouse;
  batches: BatchIdMemory;
  logger: Pick<Logger, 'warn' | 'error'>;
  /** Where priced requests are debited (ledger/request-postings.ts); absent = events only (tests of the event path). */
  prisma?: PrismaClient;
  /** The live tail (`requestTail`): each batch is published once stored; absent = no tail. */
  tail?: RequestTail;
}

/**
 * `?ledger=only`: the sender wrote the batch to ClickHouse itself (a data plane with
 * CLICKHOUSE_URL) and sends its priced events here only to be debited; nothing is inserted.
 */
const LEDGER_ONLY_PARAM = 'ledger';

/**
 * POST /internal/v1/events. Answers, so a sender knows what to do with the batch:
 * - 202 inserted (or a retry of a batch already inserted: same id, same content);
 * - 400 the batch can never be inserted: not JSON, an event that does not fit its columns
 *   (`param` names `events[i].field`), or a permanent ClickHouse error — move it aside;
 * - 409 the batch id was used before with different events — move it aside;
 * - 413 the body is over MAX_EVENTS_BODY_BYTES — move it aside;
 * - 503 the event store or the ledger is unreachable or overloaded — keep the batch and retry it.
 * After the ClickHouse insert, the batch's priced requests are debited to the ledger in one
 * database transaction (idempotent per request id); a failure there is a 503 too, and the retry
 * inserts nothing twice (ClickHouse deduplicates by batch id, the ledger by request id). The
 * batch id is remembered only once both are done.
 * With `?ledger=only` the batch is only debited (see LEDGER_ONLY_PARAM).
 */
export async function ingestEvents(req: IncomingMessage, res: ServerResponse, deps: IngestDeps): Promise<void> {
  const body = await readLimitedBody(req, MAX_EVENTS_BODY_BYTES);
  if (body === 'too large') {
    return sendError(res, new RelayError('body_too_large', `Event batch larger than ${MAX_EVENTS_BODY_BYTES} bytes.`), { connection: 'close' });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    return sendError(res, new RelayError('invalid_json', 'Body is not JSON.'));
  }
  const batch = batchSchema.safeParse(parsed);
  if (!batch.success) return sendError(res, new RelayError('invalid_value', 'Expected { batchId, events: [...] }.'));
  const { batchId } = batch.data;
  let events: RequestEvent[];
  try {
    events = batch.data.events.map((event, index) => validateAt(event, index));
  } catch (err) {
    return sendError(res, err);
  }
  if (new URL(req.url ?? '/', 'http://relay').searchParams.get(LEDGER_ONLY_PARAM) === 'only') {
    if (!(await postToLedger(res, deps, batchId, events))) return;
    // A retried ledger-only batch is published again: nothing here remembers its id.
    deps.tail?.publish(events);
    return void res.writeHead(202, { 'content-type': 'application/json' }).end(JSON.stringify({ accepted: events.length }));
  }
  // Serialised once: the same bytes give the batch-id check its hash and ClickHouse its rows.
  const encoded = encodeRequestEvents(events);
  const { hash } = encoded;
  const verdict = deps.batches.check(batchId, hash);
  if (verdict === 'conflict') {
    deps.logger.error({ batchId, events: events.length }, 'event batch id reused with different events: refused');
    return sendError(res, new RelayError('batch_id_conflict', `Batch id ${batchId} was already used for different events.`, { param: 'batchId' }));
  }
  if (verdict === 'new') {
    try {
      await insertRequestEvents(deps.clickhouse.inserter, deps.clickhouse.database, batchId, encoded);
    } catch (err) {
      if (isPermanentInsertError(err)) {
        const type = insertErrorName(err);
        deps.logger.error({ batchId, events: events.length, clickhouseError: type }, 'event batch refused by the event store');
        return sendError(res, new RelayError('invalid_value', `The event store refused the batch (${type}).`));
      }
      // 503 tells the data plane to keep the batch and retry it with the same id.
      deps.logger.error({ reason: (err as Error).message, events: events.length }, 'event batch insert failed');
      return sendError(res, new RelayError('not_ready', 'Event store unavailable; retry the batch.'));
    }
    if (!(await postToLedger(res, deps, batchId, events))) return;
    deps.batches.remember(batchId, hash);
    // Once, when first stored: a retry of a batch already stored (verdict 'repeat') is not news.
    deps.tail?.publish(events);
  }
  res.writeHead(202, { 'content-type': 'application/json' }).end(JSON.stringify({ accepted: events.length }));
}

/** Debits the batch's priced requests; false (after answering 503 "retry") when the ledger failed. */
async function postToLedger(res: ServerResponse, deps: IngestDeps, batchId: string, events: RequestEvent[]): Promise<boolean> {
  if (deps.prisma === undefined) return true;
  try {
    await postRequestCharges(deps.prisma, events, deps.logger);
    return true;
  } catch (err) {
    deps.logger.error({ batchId, events: events.length, reason: (err as Error).message }, 'ledger postings of an event batch failed');
    sendError(res, new RelayError('not_ready', 'Ledger unavailable; retry the batch.'));
    return false;
  }
}

function validateAt(event: unknown, index: number): RequestEvent {
  try {
    return validateRequestEvent(event);
  } catch (err) {
    const { field, problem } = err as EventValidationError;
    const param = field === '' ? `events[${index}]` : `events[${index}].${field}`;
    throw new RelayError('invalid_value', `Invalid event: ${param}: ${problem}.`, { param });
  }
}

function sendError(res: ServerResponse, err: unknown, headers: Record<string, string> = {}): void {
  const { status, body } = toOpenAIError(err, 'internal-ingest');
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

/** The body, or 'too large' once the rest of an oversized body has been read and discarded. */
export function readLimitedBody(req: IncomingMessage, maxBytes: number): Promise<Buffer | 'too large'> {
  if (Number(req.headers['content-length'] ?? 0) > MAX_DISCARD_BYTES) {
    // Not worth reading: answer and let the connection close.
    req.resume();
    return Promise.resolve('too large');
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_DISCARD_BYTES) {
        req.destroy();
        return;
      }
      if (size <= maxBytes) chunks.push(chunk);
      else chunks.length = 0;
    });
    req.on('end', () => resolve(size > maxBytes ? 'too large' : Buffer.concat(chunks, size)));
    req.on('error', reject);
    req.on('close', () => {
      if (!req.complete) reject(new Error('event batch upload cut off'));
    });
  });
}
