import type { JSX } from 'solid-js';
import { formatMicros, formatMicrosCents } from '../lib/format-micros.ts';

/**
 * Shows a `Micros` decimal string as dollars to the cent, with the exact amount (all six
 * decimals) on hover; null is a dash. `exact` shows all decimals inline, for prices per
 * million tokens where fractions of a cent are the point.
 */
export function Money(props: { micros: string | null | undefined; suffix?: string; exact?: boolean }): JSX.Element {
  const text = (): { label: string; title: string | undefined; valid: boolean } => {
    if (props.micros === null || props.micros === undefined) return { label: '—', title: undefined, valid: true };
    try {
      const exact = formatMicros(props.micros);
      const label = props.exact === true ? exact : formatMicrosCents(props.micros);
      return { label: label + (props.suffix ?? ''), title: `${exact} (${props.micros} micro-dollars)`, valid: true };
    } catch {
      // A malformed amount is a server bug; show it raw rather than a made-up number.
      return { label: props.micros, title: `${props.micros} micro-dollars`, valid: false };
    }
  };
  return (
    <span class={text().valid ? 'money' : 'money money-invalid'} title={text().title} data-exact={text().title}>
      {text().label}
    </span>
  );
}
