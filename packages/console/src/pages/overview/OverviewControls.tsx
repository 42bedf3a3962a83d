import { For, type JSX } from 'solid-js';
import { timeZoneChoices } from '../../lib/time-zone.ts';
import { STACK_DIMENSIONS } from './overview-drill.ts';
import type { StackDimension } from './overview.graphql.ts';

/** The time zone charts are bucketed in and times shown in. */
export function TimeZoneSelect(props: { value: string; onChange(value: string): void }): JSX.Element {
  const choices = timeZoneChoices();
  return (
    <div class="field field-inline">
      <label for="overview-time-zone">Time zone</label>
      <select id="overview-time-zone" onChange={(event) => props.onChange(event.currentTarget.value)} data-testid="time-zone">
        <For each={choices.includes(props.value) ? choices : [props.value, ...choices]}>
          {(zone) => (
            <option value={zone} selected={zone === props.value}>
              {zone}
            </option>
          )}
        </For>
      </select>
    </div>
  );
}

/** The dimension the spend chart and the top spenders are split by. */
export function StackSelect(props: { value: StackDimension; onChange(value: StackDimension): void }): JSX.Element {
  return (
    <div class="field field-inline">
      <label for="overview-stack">Spend by</label>
      <select id="overview-stack" onChange={(event) => props.onChange(event.currentTarget.value as StackDimension)} data-testid="stack-by">
        <For each={STACK_DIMENSIONS}>
          {(d) => (
            <option value={d.id} selected={d.id === props.value}>
              {d.label}
            </option>
          )}
        </For>
      </select>
    </div>
  );
}
