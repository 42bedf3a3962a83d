import { describe, expect, it } from 'vitest';
import { insertErrorName, isPermanentInsertError } from './insert-errors.ts';

describe('insert errors', () => {
  it("takes a batch's own fault from @clickhouse/client's error name and from chDB's raw insert number alike", () => {
    expect(isPermanentInsertError({ type: 'CANNOT_PARSE_INPUT_ASSERTION_FAILED' })).toBe(true);
    expect(isPermanentInsertError({ clickhouseCode: 27 })).toBe(true);
    expect(insertErrorName({ clickhouseCode: 27 })).toBe('CANNOT_PARSE_INPUT_ASSERTION_FAILED');
  });

  it('retries everything else: unknown table (60), too many parts (252), memory (241), no code at all', () => {
    for (const err of [{ clickhouseCode: 60 }, { clickhouseCode: 252 }, { type: 'MEMORY_LIMIT_EXCEEDED', clickhouseCode: 27 }, new Error('ECONNREFUSED'), null]) {
      expect(isPermanentInsertError(err)).toBe(false);
    }
    expect(insertErrorName({ clickhouseCode: 60 })).toBe('code 60');
    expect(insertErrorName(new Error('x'))).toBe('unknown error');
  });
});
