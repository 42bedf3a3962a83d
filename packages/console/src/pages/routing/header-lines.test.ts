import { describe, expect, it } from 'vitest';
import { formatHeaderLines, parseHeaderLines } from './header-lines.ts';

describe('extra header lines', () => {
  it('round-trips headers, keeping colons inside values and skipping blank lines', () => {
    const headers = [{ name: 'HTTP-Referer', value: 'https://relay.example.com' }, { name: 'X-Title', value: 'Relay' }];
    expect(parseHeaderLines(`${formatHeaderLines(headers)}\n\n`)).toEqual({ ok: true, headers });
  });

  it('names the line that has no colon', () => {
    expect(parseHeaderLines('X-A: 1\nbroken')).toEqual({ ok: false, error: 'Line 2 of the extra headers needs the form “Name: value”.' });
  });
});
