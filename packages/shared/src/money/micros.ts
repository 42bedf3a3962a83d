/**
 * Money is an integer count of micro-units (1e-6 of the currency unit, so 1_000_000 = $1.00).
 * It is a plain JS number branded so that a token count or a float can't be passed where money
 * is expected. Every value is a safe integer: the checked helpers throw instead of silently
 * losing precision past 2^53 micros (about $9 billion, far past any single ledger line).
 */
export type Micros = number & { readonly __brand: 'Micros' };

/** Micro-units in one whole currency unit. */
export const MICROS_PER_UNIT = 1_000_000;

/** Brands a number as Micros after checking it is a safe integer. */
export function micros(value: number): Micros {
  if (!Number.isSafeInteger(value)) {
    throw new RangeError(`Micros must be a safe integer, got ${value}`);
  }
  return value as Micros;
}

/** Zero micros. */
export const ZERO_MICROS = micros(0);

/** Checked addition. */
export function addMicros(a: Micros, b: Micros): Micros {
  return micros(a + b);
}

/** Checked multiplication by an integer count (tokens, requests). */
export function mulMicros(a: Micros, factor: number): Micros {
  if (!Number.isSafeInteger(factor)) throw new RangeError(`factor must be a safe integer, got ${factor}`);
  return micros(a * factor);
}

/**
 * The one rounding rule: integer division rounding half away from zero, done on bigints so the
 * numerator is exact however large. Every fractional amount of money in Relay goes through here.
 */
export function divRoundHalfUp(numerator: bigint, denominator: bigint): bigint {
  if (denominator <= 0n) throw new RangeError('denominator must be positive');
  const negative = numerator < 0n;
  const abs = negative ? -numerator : numerator;
  const quotient = (abs * 2n + denominator) / (denominator * 2n);
  return negative ? -quotient : quotient;
}

/** Converts a bigint (from Postgres BIGINT or ClickHouse Int64) into checked Micros. */
export function microsFromBigInt(value: bigint): Micros {
  if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < BigInt(Number.MIN_SAFE_INTEGER)) {
    throw new RangeError(`Micros out of safe range: ${value}`);
  }
  return micros(Number(value));
}

/**
 * Parses money from its wire form: a decimal integer string (GraphQL `Micros` scalar, ClickHouse
 * JSON for Int64) or a number. Rejects fractions, exponents and anything unsafe.
 */
export function parseMicros(value: unknown): Micros {
  if (typeof value === 'number') return micros(value);
  if (typeof value === 'bigint') return microsFromBigInt(value);
  if (typeof value === 'string' && /^-?\d{1,16}$/.test(value)) return micros(Number(value));
  throw new RangeError(`Not an integer amount of micros: ${JSON.stringify(value)}`);
}

/**
 * Parses a decimal amount in whole currency units ("0.15", "12") into Micros exactly, without
 * going through a float. At most six decimal places: finer amounts are rejected, not rounded.
 *
 * @example parseDecimalToMicros('0.15') === 150000
 */
export function parseDecimalToMicros(text: string): Micros {
  const match = /^(-?)(\d+)(?:\.(\d{1,6}))?$/.exec(text.trim());
  if (!match) throw new RangeError(`Not a decimal amount with at most 6 decimals: ${JSON.stringify(text)}`);
  const [, sign, whole, fraction = ''] = match;
  const value = BigInt(whole!) * 1_000_000n + BigInt(fraction.padEnd(6, '0'));
  return microsFromBigInt(sign === '-' ? -value : value);
}

/** Formats micros as a decimal string in whole units with all six places ("0.000150"). */
export function formatMicros(value: Micros): string {
  const negative = value < 0;
  const abs = Math.abs(value);
  // On numbers, not bigints: the data plane formats a cost per request.
  const whole = floorMillionths(abs);
  const fraction = abs - whole * MICROS_PER_UNIT;
  return `${negative ? '-' : ''}${whole}.${String(fraction).padStart(6, '0')}`;
}

/**
 * ⌊n ÷ 10^6⌋ for a non-negative safe integer, exactly, on numbers. The quotient is below 2^34,
 * where half the spacing of doubles is at most 2^-20, less than the 10^-6 by which n ÷ 10^6
 * falls short of the next integer when it is not one: rounding the division never reaches it.
 * n − quotient × 10^6 is then exact too (both are safe integers).
 */
export function floorMillionths(n: number): number {
  return Math.floor(n / MICROS_PER_UNIT);
}
