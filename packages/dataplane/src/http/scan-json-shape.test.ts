import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { scanJsonShape } from './scan-json-shape.ts';

function depthOf(value: unknown): number {
  if (Array.isArray(value)) return 1 + Math.max(0, ...value.map(depthOf));
  if (typeof value === 'object' && value !== null) return 1 + Math.max(0, ...Object.values(value).map(depthOf));
  return 0;
}

function codeOf(text: string, maxDepth: number, maxValues = 1_000_000): string {
  try {
    scanJsonShape(Buffer.from(text, 'utf8'), { maxDepth, maxValues });
    return 'ok';
  } catch (err) {
    return (err as { code: string }).code;
  }
}

describe('scanJsonShape', () => {
  it('measures the same depth as the parsed value, whatever strings hold (brackets, quotes, escapes, UTF-8)', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 8 }), (value) => {
        const text = JSON.stringify(value);
        const depth = depthOf(value);
        expect(codeOf(text, depth)).toBe('ok');
        if (depth > 0) expect(codeOf(text, depth - 1)).toBe('json_too_deep');
      }),
    );
  });

  it('skips brackets inside strings, escaped quotes and backslashes included', () => {
    expect(codeOf(JSON.stringify({ a: '[[[[{{{{' }), 1)).toBe('ok');
    expect(codeOf(JSON.stringify({ a: 'x\\"[[[[', b: '\\' }), 1)).toBe('ok');
    expect(codeOf('{"a":"\\\\","b":[[1]]}', 2)).toBe('json_too_deep');
  });

  it('refuses 10,000 levels at once, before anything is parsed', () => {
    const deep = `{"model":"m","messages":[{"role":"user","content":"hi"}],"x":${'['.repeat(10_000)}${']'.repeat(10_000)}}`;
    expect(codeOf(deep, 64)).toBe('json_too_deep');
  });

  it('counts values and refuses past the limit', () => {
    expect(codeOf('[1,2,3,4]', 8, 4)).toBe('ok'); // one container + three separators
    expect(codeOf('[1,2,3,4,5]', 8, 4)).toBe('json_too_many_values');
    expect(codeOf(`[${'[],'.repeat(100)}[]]`, 8, 150)).toBe('json_too_many_values');
  });
});
