import type { ProviderHeader } from './routing.graphql.ts';

/** Headers as the form's text shows them: one `Name: value` per line. */
export function formatHeaderLines(headers: readonly ProviderHeader[]): string {
  return headers.map((h) => `${h.name}: ${h.value}`).join('\n');
}

/**
 * The form's header text as a list. Blank lines are skipped; a line without a colon is an
 * error named by its line number. Names and values are checked again by the control plane
 * (reserved names, control characters), whose error shows if this passes and that refuses.
 */
export function parseHeaderLines(text: string): { ok: true; headers: ProviderHeader[] } | { ok: false; error: string } {
  const headers: ProviderHeader[] = [];
  const lines = text.split(/\r?\n/);
  for (const [index, line] of lines.entries()) {
    if (line.trim() === '') continue;
    const colon = line.indexOf(':');
    if (colon <= 0) return { ok: false, error: `Line ${index + 1} of the extra headers needs the form “Name: value”.` };
    headers.push({ name: line.slice(0, colon).trim(), value: line.slice(colon + 1).trim() });
  }
  return { ok: true, headers };
}
