import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * Constant-time equality of two secrets. Both sides are hashed first: timingSafeEqual needs
 * equal lengths, and comparing raw lengths would leak the secret's length.
 */
export function secretsEqual(presented: string, expected: string): boolean {
  return timingSafeEqual(sha256(presented), sha256(expected));
}

const BEARER = /^Bearer\s+(\S+)\s*$/i;

/**
 * Which of `accepted` the `Authorization: Bearer <token>` header carries: its index, or -1.
 * Every candidate is compared (no early exit), so the answer time does not tell which one
 * matched; used where a token may be rotated and two are valid during the switch.
 */
export function matchBearerToken(header: string | undefined, accepted: ReadonlyArray<string>): number {
  const match = BEARER.exec(header ?? '');
  if (match === null) return -1;
  const presented = sha256(match[1]!);
  let found = -1;
  accepted.forEach((token, index) => {
    if (timingSafeEqual(presented, sha256(token)) && found === -1) found = index;
  });
  return found;
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}
