import { For, type JSX } from 'solid-js';
import { TIME_RANGE_PRESETS, type TimeRangePresetId } from '../../lib/time-range.ts';

/** The range presets as a group of toggle buttons; the pressed one is the current range (none for a custom range). */
export function TimeRangePicker(props: { value: TimeRangePresetId | null; onChange(value: TimeRangePresetId): void }): JSX.Element {
  return (
    <div class="segmented" role="group" aria-label="Time range">
      <For each={TIME_RANGE_PRESETS}>
        {(preset) => (
          <button
            type="button"
            class="button"
            aria-pressed={props.value === preset.id}
            onClick={() => props.onChange(preset.id)}
            data-testid={`range-${preset.id}`}
          >
            {preset.label}
          </button>
        )}
      </For>
    </div>
  );
}
