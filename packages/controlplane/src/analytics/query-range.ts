import { InputError } from '../domain/input-error.ts';

/** Longest range an analytics query covers (a leap year), so one query cannot scan everything. */
export const MAX_RANGE_MS = 366 * 24 * 3_600_000;

/**
 * Rejects an empty, reversed or over-long `[from, to)` range with an InputError naming the
 * offending argument: bad input is refused, never clamped (STYLE.md, error model).
 */
export function assertQueryRange(from: Date, to: Date): void {
  if (from.getTime() >= to.getTime()) throw new InputError('`from` must be before `to`.', 'BAD_USER_INPUT', 'from');
  if (to.getTime() - from.getTime() > MAX_RANGE_MS) {
    throw new InputError('The range may span at most 366 days.', 'BAD_USER_INPUT', 'to');
  }
}
