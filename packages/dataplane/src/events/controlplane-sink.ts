import { PermanentEventError, type EventSink } from './event-sink.ts';

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
  async function post(body: string | Uint8Array<ArrayBuffer>): Promise<void> {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${options.internalToken}` },
      body,
      signal: AbortSignal.timeout(options.timeoutMs ?? 30_000),
    });
    if (response.ok) {
      await response.body?.cancel();
      return;
    }
    const detail = await errorDetail(response);
    if (PERMANENT_STATUSES.has(response.status)) {
      throw new PermanentEventError(`control plane refused the event batch with HTTP ${response.status}${detail}`);
    }
    throw new Error(`control plane refused the event batch with HTTP ${response.status}${detail}`);
  }
  return {
    write: (batchId, events, lines) => post(lines === undefined ? JSON.stringify({ batchId, events }) : linesBody(batchId, lines)),
    writeJsonLines: (batchId, lines) => post(linesBody(batchId, lines)),
  };
}

const COMMA = Buffer.from(',');
const CLOSE = Buffer.from(']}');

/**
 * The ingest body `{"batchId":…,"events":[…]}` from the events' JSON lines as the log wrote them
 * (each line's newline is whitespace to JSON), so no event is serialised a second time.
 */
function linesBody(batchId: string, lines: readonly Buffer[]): Uint8Array<ArrayBuffer> {
  const parts: Buffer[] = [Buffer.from(`{"batchId":${JSON.stringify(batchId)},"events":[`)];
  lines.forEach((line, i) => {
    if (i > 0) parts.push(COMMA);
    parts.push(line);
  });
  parts.push(CLOSE);
  return Buffer.concat(parts);
}

/** ` (code, param)` from an OpenAI-shaped error body, for the log line; never the whole body. */
async function errorDetail(response: Response): Promise<string> {
  try {
    const body = (await response.json()) as { error?: { code?: unknown; param?: unknown; message?: unknown } };
    const code = typeof body.error?.code === 'string' ? body.error.code.slice(0, 64) : '';
    const param = typeof body.error?.param === 'string' ? `, ${body.error.param.slice(0, 100)}` : '';
    const message = typeof body.error?.message === 'string' ? `: ${body.error.message.slice(0, 200)}` : '';
    return code === '' ? '' : ` (${code}${param}${message})`;
  } catch {
    return '';
  }
}
