import type { ServerResponse } from 'node:http';
import { once } from 'node:events';

/** A CSV cell: text (guarded against formula injection), a number, a bigint, or empty. */
export type CsvCell = string | number | bigint | boolean | null;

/**
 * Characters that make a spreadsheet read a text cell as a formula (OWASP "CSV injection"):
 * such cells get a leading `'`, so `=HYPERLINK(…)` in a model name stays text. Numbers are
 * written as they are (a negative amount must stay a number).
 */
const FORMULA_START = /^[=+\-@\t\r]/;

/** One cell as CSV text (RFC 4180 quoting, formula-safe). */
export function csvCell(value: CsvCell): string {
  if (value === null) return '';
  if (typeof value !== 'string') return String(value);
  const text = FORMULA_START.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** One CSV line (CRLF-terminated, as RFC 4180 says). */
export function csvLine(cells: readonly CsvCell[]): string {
  return `${cells.map(csvCell).join(',')}\r\n`;
}

/** Formats integer micro-units as a decimal amount with six places, exactly (no floats). */
export function microsToDecimal(micros: bigint): string {
  const negative = micros < 0n;
  const abs = negative ? -micros : micros;
  return `${negative ? '-' : ''}${abs / 1_000_000n}.${(abs % 1_000_000n).toString().padStart(6, '0')}`;
}

/**
 * A streamed CSV download: writes the header row at once, then lines as the caller produces
 * them, waiting for the socket to drain whenever Node's buffer is full, so memory holds one
 * chunk of rows whatever the export's size. `signal` aborts when the client goes away.
 */
export function startCsvResponse(res: ServerResponse, fileName: string, header: readonly string[]) {
  res.writeHead(200, {
    'content-type': 'text/csv; charset=utf-8',
    'content-disposition': `attachment; filename="${fileName.replace(/[^A-Za-z0-9._-]/g, '_')}"`,
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
  });
  const controller = new AbortController();
  res.on('close', () => {
    if (!res.writableFinished) controller.abort();
  });
  res.write(csvLine(header));
  return {
    signal: controller.signal,
    /** Writes `lines` (already CSV) and resolves once Node can take more. */
    async write(lines: string): Promise<void> {
      if (controller.signal.aborted) return;
      if (!res.write(lines)) await Promise.race([once(res, 'drain'), once(res, 'close')]);
    },
    end(): void {
      res.end();
    },
  };
}
