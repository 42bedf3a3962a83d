import type { JSX } from 'solid-js';
import { themeStore } from './theme-store.ts';

const LABELS = { system: 'Theme: system', light: 'Theme: light', dark: 'Theme: dark' } as const;

/** Cycles the theme preference (system → light → dark); the button says which one is in force. */
export function ThemeToggle(): JSX.Element {
  return (
    <button
      type="button"
      class="button button-quiet theme-toggle"
      onClick={() => themeStore.cycle()}
      title="Switch between the system's theme, light and dark"
      data-testid="theme-toggle"
      data-theme-preference={themeStore.preference()}
    >
      {LABELS[themeStore.preference()]}
    </button>
  );
}
