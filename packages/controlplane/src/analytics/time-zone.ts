import { InputError } from '../domain/input-error.ts';

const formatters = new Map<string, Intl.DateTimeFormat>();

/**
 * Checks that `timeZone` is an IANA zone name both this process and ClickHouse know by that
 * name (`Europe/Berlin`, `UTC`); `param` names the argument in the error.
 * @throws InputError otherwise.
 */
export function assertTimeZone(timeZone: string, param: string): void {
  if (!/^[A-Za-z][A-Za-z0-9_+\-/]{0,63}$/.test(timeZone)) throw badZone(param);
  try {
    formatterOf(timeZone);
  } catch {
    throw badZone(param);
  }
}

/** The UTC offset of `timeZone` at `atMs`, in minutes (Berlin in summer: 120). */
export function utcOffsetMinutes(timeZone: string, atMs: number): number {
  const name = formatterOf(timeZone).formatToParts(atMs).find((p) => p.type === 'timeZoneName')?.value ?? 'GMT';
  const match = /^GMT(?:([+-])(\d{2}):(\d{2})(?::(\d{2}))?)?$/.exec(name);
  if (match === null) throw new Error(`Unexpected offset name ${name}`);
  if (match[1] === undefined) return 0;
  const minutes = Number(match[2]) * 60 + Number(match[3]) + Number(match[4] ?? 0) / 60;
  return match[1] === '-' ? -minutes : minutes;
}

/**
 * True when `timeZone`'s offset is a whole number of hours all over `[fromMs, toMs)`: then its
 * local hours and days start on UTC hours, and the hour rollup can answer them. Sampled daily
 * (zones change offset a few times a year and keep each offset for months).
 */
export function hasWholeHourOffsets(timeZone: string, fromMs: number, toMs: number): boolean {
  const day = 86_400_000;
  for (let at = fromMs; at < toMs + day; at += day) {
    if (utcOffsetMinutes(timeZone, Math.min(at, toMs)) % 60 !== 0) return false;
  }
  return true;
}

function formatterOf(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (formatter === undefined) {
    formatter = new Intl.DateTimeFormat('en-US', { timeZone, timeZoneName: 'longOffset' });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

function badZone(param: string): InputError {
  return new InputError(`\`${param}\` must be an IANA time zone name such as \`Europe/Berlin\` or \`UTC\`.`, 'BAD_USER_INPUT', param);
}
