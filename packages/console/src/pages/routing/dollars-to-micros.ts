/**
 * Prices are typed in dollars per million tokens (what provider price pages show, e.g. 0.15)
 * and sent as the `Micros` scalar: an integer count of micro-dollars as a decimal string. The
 * conversion moves the decimal point six places by string manipulation only, because a float
 * would turn 0.29 into 289999.99999999994 micros and then round it somewhere.
 */

const MICROS_DIGITS = 6;
/** The control plane's bound for a Micros amount (2^53 − 1, `microsSchema`). */
const MAX_MICROS = BigInt(Number.MAX_SAFE_INTEGER);
const DOLLARS = /^(\d*)(?:\.(\d*))?$/;

/** The result of {@link parseDollarsToMicros}: the micros string, or why the text was refused. */
export type DollarsParse = { ok: true; micros: string } | { ok: false; message: string };

/**
 * Converts a non-negative dollar amount with at most six decimals to an integer micros string;
 * `what` names the field in the messages (a price by default).
 * A leading `$` and surrounding spaces are accepted; anything else that is not plain digits
 * with one optional decimal point is refused, never rounded or clamped.
 * @example parseDollarsToMicros('0.15') // { ok: true, micros: '150000' }
 * @example parseDollarsToMicros('0.0000001') // { ok: false, message: 'Use at most 6 decimal places …' }
 */
export function parseDollarsToMicros(text: string, what: 'price' | 'amount' = 'price'): DollarsParse {
  const noun = what === 'price' ? { a: 'a price', A: 'A price', that: 'That price' } : { a: 'an amount', A: 'An amount', that: 'That amount' };
  const trimmed = text.trim().replace(/^\$\s*/, '');
  if (trimmed === '') return { ok: false, message: `Enter ${noun.a} in dollars, such as 0.15.` };
  if (trimmed.startsWith('-')) return { ok: false, message: `${noun.A} cannot be negative.` };
  const match = DOLLARS.exec(trimmed);
  const whole = match?.[1] ?? '';
  const fraction = match?.[2] ?? '';
  if (match === null || (whole === '' && fraction === '')) {
    return { ok: false, message: 'Enter a plain number of dollars, such as 0.15 (digits and one decimal point).' };
  }
  if (fraction.length > MICROS_DIGITS) {
    return { ok: false, message: 'Use at most 6 decimal places (one micro-dollar is 0.000001).' };
  }
  const digits = (whole + fraction.padEnd(MICROS_DIGITS, '0')).replace(/^0+(?=\d)/, '');
  if (BigInt(digits) > MAX_MICROS) return { ok: false, message: `${noun.that} is too large.` };
  return { ok: true, micros: digits };
}
