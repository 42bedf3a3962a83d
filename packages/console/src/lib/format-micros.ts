/**
 * Money reaches the console as the GraphQL `Micros` scalar: a decimal integer string of
 * micro-units (1e-6 of a dollar). It is formatted with string arithmetic only, because a
 * float would print `0.1 + 0.2`-style noise and lose cents past 2^53 micros.
 */

const MICROS_DIGITS = 6;
const INTEGER_STRING = /^-?\d+$/;

/**
 * Formats a micros decimal string (or bigint) as dollars with all six decimals, exactly.
 * @example formatMicros('1500') === '$0.001500'; formatMicros('-1234567890') === '-$1,234.567890'
 * @throws RangeError when the value is not a decimal integer (fractions, exponents, blanks).
 */
export function formatMicros(value: string | bigint): string {
  const text = typeof value === 'bigint' ? value.toString() : value;
  if (!INTEGER_STRING.test(text)) {
    throw new RangeError(`Not a micros integer: ${JSON.stringify(text)}`);
  }
  const negative = text.startsWith('-');
  const digits = stripLeadingZeros(negative ? text.slice(1) : text);
  const padded = digits.padStart(MICROS_DIGITS + 1, '0');
  const whole = padded.slice(0, -MICROS_DIGITS);
  const fraction = padded.slice(-MICROS_DIGITS);
  const sign = negative && digits !== '0' ? '-' : '';
  return `${sign}$${groupThousands(whole)}.${fraction}`;
}

/** "000150" -> "150", "0000" -> "0". */
function stripLeadingZeros(digits: string): string {
  const stripped = digits.replace(/^0+/, '');
  return stripped === '' ? '0' : stripped;
}

/** "1234567" -> "1,234,567" (en-US grouping, the same as the dollar sign implies). */
function groupThousands(digits: string): string {
  const groups: string[] = [];
  for (let end = digits.length; end > 0; end -= 3) {
    groups.unshift(digits.slice(Math.max(0, end - 3), end));
  }
  return groups.join(',');
}

const MICROS_PER_CENT = 10_000n;

/**
 * Formats a micros amount rounded to the cent (half away from zero, the ledger's rule for
 * display), for tables and tiles; {@link formatMicros} gives the exact value shown on hover.
 * @example formatMicrosCents('1234567') === '$1.23'; formatMicrosCents('5000') === '$0.01'
 * @throws RangeError when the value is not a decimal integer.
 */
export function formatMicrosCents(value: string | bigint): string {
  const text = typeof value === 'bigint' ? value.toString() : value;
  if (!INTEGER_STRING.test(text)) throw new RangeError(`Not a micros integer: ${JSON.stringify(text)}`);
  const amount = BigInt(text);
  const negative = amount < 0n;
  const magnitude = negative ? -amount : amount;
  const cents = (magnitude + MICROS_PER_CENT / 2n) / MICROS_PER_CENT;
  const whole = (cents / 100n).toString();
  const fraction = (cents % 100n).toString().padStart(2, '0');
  return `${negative && cents !== 0n ? '-' : ''}$${groupThousands(whole)}.${fraction}`;
}
