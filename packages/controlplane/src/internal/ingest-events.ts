import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { RelayError } from '@proxystacks/shared/errors/relay-error';
import { toOpenAIError } from '@proxystacks/shared/errors/openai-error';
import { insertErrorName, isPermanentInsertError } from '@proxystacks/shared/events/insert-errors';
import { createRequestEventsEncoder, insertRequestEvents, type EncodedRequestEvents } from '@proxystacks/shared/events/insert-request-events';
import { EventValidationError, validateRequestEvent, type RequestEvent } from '@proxystacks/shared/events/request-event';
import type { ClickHouse } from '../analytics/clickhouse.ts';
import type { PrismaClient } from '../generated/prisma/client.ts';
import { postRequestCharges } from '../ledger/request-postings.ts';
import type { BatchIdMemory } from './batch-id-memory.ts';
import { readEventBatch } from './event-batch-reader.ts';
import type { RequestTail } from '../analytics/request-tail.ts';

/** Largest event batch body taken (a data plane cuts its batches at 10,000 events or 8 MiB, ~10 MB of JSON at most). */
export const MAX_EVENTS_BODY_BYTES = 32 * 1024 * 1024;

/**
 * Past the limit the rest of an oversized body is read and thrown away (up to this much) so the
 * 413 reaches the client: closing a socket with unread input makes the kernel send a reset,
 * and the client sees "connection reset" instead of the answer.
 */
const MAX_DISCARD_BYTES = 256 * 1024 * 1024;

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
  const ledgerOnly = new URL(req.url ?? '/', 'http://relay').searchParams.get(LEDGER_ONLY_PARAM) === 'only';
  let read: ReadBatch;
  try {
    read = readBatch(body, { encode: !ledgerOnly, keepAll: (deps.tail?.subscriberCount() ?? 0) > 0 });
  } catch (err) {
    return sendError(res, err);
  }
  const { batchId, count, priced, kept } = read;
  if (ledgerOnly) {
    if (!(await postToLedger(res, deps, batchId, priced))) return;
    // A retried ledger-only batch is published again: nothing here remembers its id.
    if (kept !== null) deps.tail?.publish(kept);
    return void res.writeHead(202, { 'content-type': 'application/json' }).end(JSON.stringify({ accepted: count }));
  }
  // Serialised once: the same bytes give the batch-id check its hash and ClickHouse its rows.
  const encoded = read.encoded!;
  const { hash } = encoded;
  const verdict = deps.batches.check(batchId, hash);
  if (verdict === 'conflict') {
    deps.logger.error({ batchId, events: count }, 'event batch id reused with different events: refused');
    return sendError(res, new RelayError('batch_id_conflict', `Batch id ${batchId} was already used for different events.`, { param: 'batchId' }));
  }
  if (verdict === 'new') {
    try {
      await insertRequestEvents(deps.clickhouse.inserter, deps.clickhouse.database, batchId, encoded);
    } catch (err) {
      if (isPermanentInsertError(err)) {
        const type = insertErrorName(err);
        deps.logger.error({ batchId, events: count, clickhouseError: type }, 'event batch refused by the event store');
        return sendError(res, new RelayError('invalid_value', `The event store refused the batch (${type}).`));
      }
      // 503 tells the data plane to keep the batch and retry it with the same id.
      deps.logger.error({ reason: (err as Error).message, events: count }, 'event batch insert failed');
      return sendError(res, new RelayError('not_ready', 'Event store unavailable; retry the batch.'));
    }
    if (!(await postToLedger(res, deps, batchId, priced))) return;
    deps.batches.remember(batchId, hash);
    // Once, when first stored: a retry of a batch already stored (verdict 'repeat') is not news.
    if (kept !== null) deps.tail?.publish(kept);
  }
  res.writeHead(202, { 'content-type': 'application/json' }).end(JSON.stringify({ accepted: count }));
}

/** A batch read and validated: its rows encoded for ClickHouse, and only the event objects still needed. */
interface ReadBatch {
  batchId: string;
  count: number;
  /** The rows and their hash; null when not asked for (a ledger-only batch). */
  encoded: EncodedRequestEvents | null;
  /** The events with a cost, for the ledger: the only objects kept when nobody tails. */
  priced: RequestEvent[];
  /** Every event, for the live tail; null when it had no subscriber as the batch came in. */
  kept: RequestEvent[] | null;
}

/**
 * Validates each event as it is read and encodes it at once, keeping an event object only if the
 * ledger or the tail needs it after the insert: see event-batch-reader.ts for why. A tail
 * subscriber that starts while a batch is being stored does not get that batch.
 */
function readBatch(body: Buffer, want: { encode: boolean; keepAll: boolean }): ReadBatch {
  const fresh = () => ({
    encoder: want.encode ? createRequestEventsEncoder() : null,
    priced: [] as RequestEvent[],
    kept: want.keepAll ? ([] as RequestEvent[]) : null,
  });
  let read = fresh();
  const head = readEventBatch(body, {
    restart: () => void (read = fresh()),
    event(value, index) {
      const event = validateAt(value, index);
      read.encoder?.add(event);
      if (event.cost_micros > 0) read.priced.push(event);
      read.kept?.push(event);
    },
  });
  return { ...head, encoded: read.encoder?.finish() ?? null, priced: read.priced, kept: read.kept };
}

/** Debits the batch's priced requests; false (after answering 503 "retry") when the ledger failed. */
async function postToLedger(res: ServerResponse, deps: IngestDeps, batchId: string, priced: RequestEvent[]): Promise<boolean> {
  if (deps.prisma === undefined) return true;
  try {
    await postRequestCharges(deps.prisma, priced, deps.logger);
    return true;
  } catch (err) {
    deps.logger.error({ batchId, pricedEvents: priced.length, reason: (err as Error).message }, 'ledger postings of an event batch failed');
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
