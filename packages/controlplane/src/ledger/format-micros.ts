/**
 * Micro-units as a dollar amount with all six decimals (`-1.500000`), exactly: integer
 * arithmetic on the BigInt, never a float (CSV export, CLI output).
 */
export function formatMicrosAsDollars(micros: bigint): string {
  const sign = micros < 0n ? '-' : '';
  const abs = micros < 0n ? -micros : micros;
  return `${sign}${abs / 1_000_000n}.${(abs % 1_000_000n).toString().padStart(6, '0')}`;
}
