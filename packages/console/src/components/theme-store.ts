import { createEffect, createRoot, createSignal, type Accessor } from 'solid-js';
import { THEME_STORAGE_KEY, nextThemePreference, parseThemePreference, resolveTheme, type Theme, type ThemePreference } from '../lib/theme.ts';

/** The console's one theme state: the admin's preference, the painted theme, and a way to change it. */
export interface ThemeStore {
  preference: Accessor<ThemePreference>;
  theme: Accessor<Theme>;
  /** Moves to the next preference (system → light → dark), paints it and remembers it. */
  cycle(): void;
}

function storage(): Storage | null {
  try {
    return window.localStorage;
  } catch {
    return null;
  }
}

/**
 * Created once at start-up (main.tsx, before the first paint, so a dark page never flashes
 * light): sets `data-theme` on <html>, which styles.css keys its colours on, and follows the
 * system's scheme while the preference is `system`.
 */
export const themeStore: ThemeStore = createRoot(() => {
  const media = window.matchMedia('(prefers-color-scheme: dark)');
  const [preference, setPreference] = createSignal(parseThemePreference(storage()?.getItem(THEME_STORAGE_KEY)));
  const [systemDark, setSystemDark] = createSignal(media.matches);
  media.addEventListener('change', (event) => setSystemDark(event.matches));
  const theme = (): Theme => resolveTheme(preference(), systemDark());
  document.documentElement.dataset.theme = theme();
  createEffect(() => {
    document.documentElement.dataset.theme = theme();
  });
  return {
    preference,
    theme,
    cycle: () => {
      const next = nextThemePreference(preference());
      setPreference(next);
      storage()?.setItem(THEME_STORAGE_KEY, next);
    },
  };
});
