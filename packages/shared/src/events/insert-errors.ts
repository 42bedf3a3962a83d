/**
 * ClickHouse error types that say the batch itself is wrong (its values do not parse or do not
 * fit the table): sending the same bytes again fails the same way. Everything else (connection
 * refused, timeouts, TOO_MANY_PARTS, MEMORY_LIMIT_EXCEEDED, a missing table during a migration,
 * unknown codes) is treated as transient and retried, because wrongly retrying costs time while
 * wrongly giving up would move good events aside. Names and numbers from ClickHouse's
 * src/Common/ErrorCodes.cpp. Name and number of each (null: no number known).
 */
const PERMANENT_CLICKHOUSE_ERRORS: ReadonlyArray<readonly [string, number | null]> = [
  ['CANNOT_PARSE_TEXT', 6],
  ['INCORRECT_NUMBER_OF_COLUMNS', 7],
  ['CANNOT_PARSE_INPUT_ASSERTION_FAILED', 27],
  ['CANNOT_READ_ALL_DATA', 33],
  ['CANNOT_PARSE_DATE', 38],
  ['CANNOT_PARSE_DATETIME', 41],
  ['ILLEGAL_TYPE_OF_ARGUMENT', 43],
  ['TYPE_MISMATCH', 53],
  ['ARGUMENT_OUT_OF_BOUND', 69],
  ['CANNOT_CONVERT_TYPE', 70],
  ['CANNOT_PARSE_NUMBER', 72],
  ['INCORRECT_DATA', 117],
  ['TOO_LARGE_STRING_SIZE', 131],
  ['VALUE_IS_OUT_OF_RANGE_OF_DATA_TYPE', 321],
  ['CANNOT_INSERT_NULL_IN_ORDINARY_COLUMN', 349],
  ['CANNOT_PARSE_BOOL', 467],
  ['UNKNOWN_ELEMENT_OF_ENUM', 691],
  ['UNKNOWN_FIELD', null], // not a code name in every version; harmless if absent
];
const PERMANENT_NAMES = new Set(PERMANENT_CLICKHOUSE_ERRORS.map(([name]) => name));
const PERMANENT_CODES = new Set(PERMANENT_CLICKHOUSE_ERRORS.flatMap(([, code]) => (code === null ? [] : [code])));

/**
 * True when an insert failed because of the batch's content (retrying cannot help): the
 * ingest answers 400 and a sender moves the batch aside instead of retrying it forever.
 * Recognises `@clickhouse/client`'s ClickHouseError (server and chDB alike), which carries the
 * ClickHouse error name in `type`, and chDB's own insert error (its raw insert), which carries
 * only the number, in `clickhouseCode`.
 */
export function isPermanentInsertError(err: unknown): boolean {
  if (err === null || typeof err !== 'object') return false;
  const { type, clickhouseCode } = err as { type?: unknown; clickhouseCode?: unknown };
  if (typeof type === 'string') return PERMANENT_NAMES.has(type);
  return typeof clickhouseCode === 'number' && PERMANENT_CODES.has(clickhouseCode);
}

/** The ClickHouse error's name, or its number when only that is known: for messages and logs. */
export function insertErrorName(err: unknown): string {
  const { type, clickhouseCode } = (err ?? {}) as { type?: unknown; clickhouseCode?: unknown };
  if (typeof type === 'string') return type;
  const known = PERMANENT_CLICKHOUSE_ERRORS.find(([, code]) => code === clickhouseCode);
  return known?.[0] ?? (typeof clickhouseCode === 'number' ? `code ${clickhouseCode}` : 'unknown error');
}
