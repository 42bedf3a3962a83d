import { describe, expect, it } from 'vitest';
import { nextThemePreference, parseThemePreference, resolveTheme } from './theme.ts';

describe('dark mode preference (issue 10)', () => {
  it('follows the system until a theme is chosen', () => {
    expect(resolveTheme('system', true)).toBe('dark');
    expect(resolveTheme('system', false)).toBe('light');
    expect(resolveTheme('light', true)).toBe('light');
    expect(resolveTheme('dark', false)).toBe('dark');
  });

  it('reads only known stored values and cycles through all three', () => {
    expect(parseThemePreference('dark')).toBe('dark');
    expect(parseThemePreference('purple')).toBe('system');
    expect(parseThemePreference(null)).toBe('system');
    expect(nextThemePreference(nextThemePreference(nextThemePreference('system')))).toBe('system');
  });
});
