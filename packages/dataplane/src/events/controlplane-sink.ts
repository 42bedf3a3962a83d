import { request } from 'undici';
import { PermanentEventError, type EventSink } from './event-sink.ts';
import { createKeptBuffer } from './kept-buffer.ts';

/** The control plane route that takes event batches from data planes without ClickHouse access. */
export const EVENTS_PATH = '/internal/v1/events';

/**
 * Ingest answers that refuse the batch for its content (see the control plane's
 * ingest-events.ts): 400 invalid, 409 batch id reused with other events, 413 too large.
 * Everything else (401 while tokens rotate, 404 from an older control plane, 5xx, no answer)
 * is transient and the batch is retried.
 */
const PERMANENT_STATUSES = new Set([400, 409, 413, 422]);

/**
 * Sends event batches to the control plane, which inserts them and debits their priced requests
 * to the ledger (used when the data plane has no CLICKHOUSE_URL, e.g. next to an embedded chDB
 * that only one process may open). `ledgerOnly`: the batch is in ClickHouse already (see
 * ledger-tee-sink.ts); the control plane only debits it.
 */
export function createControlplaneSink(options: { controlplaneUrl: string; internalToken: string; timeoutMs?: number; ledgerOnly?: boolean }): EventSink {
  const url = new URL(`${EVENTS_PATH}${options.ledgerOnly === true ? '?ledger=only' : ''}`, options.controlplaneUrl).toString();
  const bodies = createBodyBuilder();
  async function post(body: string | Buffer): Promise<void> {
    // undici's request() sends a Buffer as it is; fetch() copies every body first (a 10 MB batch).
    const response = await request(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${options.internalToken}` },
      body,
      signal: AbortSignal.timeout(options.timeoutMs ?? 30_000),
    });
    if (response.statusCode >= 200 && response.statusCode < 300) {
      await response.body.dump();
      return;
    }
    const detail = await errorDetail(response.body);
    if (PERMANENT_STATUSES.has(response.statusCode)) {
      throw new PermanentEventError(`control plane refused the event batch with HTTP ${response.statusCode}${detail}`);
    }
    throw new Error(`control plane refused the event batch with HTTP ${response.statusCode}${detail}`);
  }
  /** Posts the batch built from its lines in the kept buffer, which is free again once the answer came. */
  async function postLines(batchId: string, lines: readonly Buffer[]): Promise<void> {
    const built = bodies.build(batchId, lines);
    try {
      await post(built.body);
    } finally {
      built.release();
    }
  }
  return {
    write: (batchId, events, lines) => (lines === undefined ? post(JSON.stringify({ batchId, events })) : postLines(batchId, lines)),
    writeJsonLines: postLines,
  };
}

const COMMA = 0x2c;
const CLOSE = Buffer.from(']}');

/**
 * Builds ingest bodies `{"batchId":…,"events":[…]}` from the events' JSON lines as the log wrote
 * them (each line's newline is whitespace to JSON), so no event is serialised a second time, in
 * a buffer kept from batch to batch (kept-buffer.ts: a fresh 8 MB one per batch is page-faulted in anew).
 * Keep one event per line: the control plane then parses the batch an event at a time
 * (its internal/event-batch-reader.ts) instead of holding every event object at once.
 */
function createBodyBuilder(): { build(batchId: string, lines: readonly Buffer[]): { body: Buffer; release(): void } } {
  const keeper = createKeptBuffer();
  return {
    build(batchId, lines) {
      const head = `{"batchId":${JSON.stringify(batchId)},"events":[`;
      let size = Buffer.byteLength(head) + CLOSE.length + Math.max(0, lines.length - 1);
      for (const line of lines) size += line.length;
      const buffer = keeper.take(size);
      let at = buffer.write(head, 0);
      for (let i = 0; i < lines.length; i++) {
        if (i > 0) buffer[at++] = COMMA;
        at += lines[i]!.copy(buffer, at);
      }
      at += CLOSE.copy(buffer, at);
      return { body: buffer.subarray(0, at), release: () => keeper.give(buffer) };
    },
  };
}

/** ` (code, param)` from an OpenAI-shaped error body, for the log line; never the whole body. */
async function errorDetail(answer: { json(): Promise<unknown> }): Promise<string> {
  try {
    const body = (await answer.json()) as { error?: { code?: unknown; param?: unknown; message?: unknown } };
    const code = typeof body.error?.code === 'string' ? body.error.code.slice(0, 64) : '';
    const param = typeof body.error?.param === 'string' ? `, ${body.error.param.slice(0, 100)}` : '';
    const message = typeof body.error?.message === 'string' ? `: ${body.error.message.slice(0, 200)}` : '';
    return code === '' ? '' : ` (${code}${param}${message})`;
  } catch {
    return '';
  }
}
