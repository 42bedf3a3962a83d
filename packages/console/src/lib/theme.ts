/**
 * Light or dark: the console follows the system's `prefers-color-scheme` until the admin picks
 * one, and remembers the pick in localStorage (not a cookie: the server never needs it).
 */

/** What the admin chose; `system` follows the operating system. */
export type ThemePreference = 'system' | 'light' | 'dark';
/** What is painted. */
export type Theme = 'light' | 'dark';

/** localStorage key of the preference. */
export const THEME_STORAGE_KEY = 'relay.theme';

/** Reads a stored preference; anything unknown (or nothing) is `system`. */
export function parseThemePreference(value: string | null | undefined): ThemePreference {
  return value === 'light' || value === 'dark' ? value : 'system';
}

/** The theme to paint for a preference, given whether the system prefers dark. */
export function resolveTheme(preference: ThemePreference, systemPrefersDark: boolean): Theme {
  if (preference === 'system') return systemPrefersDark ? 'dark' : 'light';
  return preference;
}

/** The preference the theme button moves to: system → light → dark → system. */
export function nextThemePreference(preference: ThemePreference): ThemePreference {
  if (preference === 'system') return 'light';
  if (preference === 'light') return 'dark';
  return 'system';
}
