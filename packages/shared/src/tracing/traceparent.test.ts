import { describe, expect, it } from 'vitest';
import { formatTraceparent, parseTraceparent } from './traceparent.ts';

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const SPAN_ID = '00f067aa0ba902b7';

describe('traceparent (W3C Trace Context §3.2)', () => {
  it('parses the specification example and formats it back', () => {
    const header = `00-${TRACE_ID}-${SPAN_ID}-01`;
    expect(parseTraceparent(header)).toEqual({ traceId: TRACE_ID, spanId: SPAN_ID, flags: 1 });
    expect(formatTraceparent(TRACE_ID, SPAN_ID, 1)).toBe(header);
  });

  it('reads a later version by its first four fields', () => {
    expect(parseTraceparent(`cc-${TRACE_ID}-${SPAN_ID}-00-whatever`)).toEqual({ traceId: TRACE_ID, spanId: SPAN_ID, flags: 0 });
  });

  it.each([
    ['', 'empty'],
    [`ff-${TRACE_ID}-${SPAN_ID}-01`, 'version ff'],
    [`00-${TRACE_ID}-${SPAN_ID}-01-extra`, 'version 00 with more fields'],
    [`00-${'0'.repeat(32)}-${SPAN_ID}-01`, 'all-zero trace id'],
    [`00-${TRACE_ID}-${'0'.repeat(16)}-01`, 'all-zero parent id'],
    [`00-${TRACE_ID.toUpperCase()}-${SPAN_ID}-01`, 'upper-case hex'],
    [`00-${TRACE_ID.slice(1)}-${SPAN_ID}-01`, 'short trace id'],
  ])('refuses %j (%s)', (header) => {
    expect(parseTraceparent(header)).toBeNull();
  });
});
