import { describe, expect, it } from 'vitest';
import { matchBearerToken, secretsEqual } from './constant-time.ts';

describe('issue 7: tokens are compared in constant time', () => {
  it('compares secrets of any length without throwing', () => {
    expect(secretsEqual('a-token', 'a-token')).toBe(true);
    expect(secretsEqual('a-token', 'a-token-longer')).toBe(false);
    expect(secretsEqual('', 'x')).toBe(false);
  });

  it('says which accepted token a bearer header carries', () => {
    const accepted = ['current-token-0123456789', 'previous-token-0123456789'];
    expect(matchBearerToken('Bearer current-token-0123456789', accepted)).toBe(0);
    expect(matchBearerToken('bearer previous-token-0123456789', accepted)).toBe(1);
    expect(matchBearerToken('Bearer other', accepted)).toBe(-1);
    expect(matchBearerToken('current-token-0123456789', accepted)).toBe(-1);
    expect(matchBearerToken(undefined, accepted)).toBe(-1);
    expect(matchBearerToken('Bearer same', ['same', 'same'])).toBe(0);
  });
});
