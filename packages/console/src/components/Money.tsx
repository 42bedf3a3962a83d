import type { JSX } from 'solid-js';
import { formatMicros } from '../lib/format-micros.ts';

/** Shows a `Micros` decimal string as dollars, exactly; null is a dash. */
export function Money(props: { micros: string | null | undefined; suffix?: string }): JSX.Element {
  const text = (): { label: string; valid: boolean } => {
    if (props.micros === null || props.micros === undefined) return { label: '—', valid: true };
    try {
      return { label: formatMicros(props.micros) + (props.suffix ?? ''), valid: true };
    } catch {
      // A malformed amount is a server bug; show it raw rather than a made-up number.
      return { label: props.micros, valid: false };
    }
  };
  return (
    <span
      class={text().valid ? 'money' : 'money money-invalid'}
      title={props.micros === null || props.micros === undefined ? undefined : `${props.micros} micro-dollars`}
    >
      {text().label}
    </span>
  );
}
