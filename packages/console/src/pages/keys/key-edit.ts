import { formatDateTime } from '../../lib/format-date.ts';
import { EXPIRY_CHOICES, checkKeySettings, type ExpiryChoice, type KeyDraftProblem, type KeySettingsDraft } from './key-form.ts';
import type { KeyLabel, KeyRow, UpdateKeyInput } from './keys.graphql.ts';

/** The key's settings as the edit dialog starts from them: what is stored, the expiry kept. */
export function keyDraftFrom(key: Pick<KeyRow, 'name' | 'expiresAt' | 'allowedAliases' | 'labels'>): KeySettingsDraft {
  return {
    name: key.name,
    expiry: key.expiresAt === null ? 'never' : 'keep',
    expiryDate: '',
    allowedAliases: [...key.allowedAliases],
    labels: key.labels.map((label) => ({ ...label })),
  };
}

/**
 * Expiry choices when editing: a key that expires first offers to keep its date (so opening
 * and saving the dialog never moves it); then the create form's choices, where "Never" clears it.
 */
export function editExpiryChoices(expiresAt: string | null): ReadonlyArray<{ id: ExpiryChoice; label: string }> {
  if (expiresAt === null) return EXPIRY_CHOICES;
  return [{ id: 'keep', label: `Unchanged (${formatDateTime(expiresAt)})` }, ...EXPIRY_CHOICES];
}

/**
 * Checks the edit dialog's draft and turns it into updateKey's input, holding only what differs
 * from the stored key (so the audit entry shows the change, not a rewrite of every field);
 * `input` is null when nothing changed.
 */
export function checkKeyEdit(
  draft: KeySettingsDraft,
  key: Pick<KeyRow, 'name' | 'expiresAt' | 'allowedAliases' | 'labels'>,
  nowMs: number,
): { ok: true; input: UpdateKeyInput | null } | KeyDraftProblem {
  const checked = checkKeySettings(draft, nowMs);
  if (!checked.ok) return checked;
  const { name, expiresAt, allowedAliases, labels } = checked.settings;
  const input: UpdateKeyInput = {};
  if (name !== key.name) input.name = name;
  if (expiresAt === null && key.expiresAt !== null) input.clearExpiry = true;
  if (typeof expiresAt === 'string') input.expiresAt = expiresAt;
  if (!sameList(allowedAliases, [...key.allowedAliases].sort())) input.allowedAliases = allowedAliases;
  if (!sameList(labels.map(labelText), key.labels.map(labelText))) input.labels = labels;
  return { ok: true, input: Object.keys(input).length === 0 ? null : input };
}

function labelText(label: KeyLabel): string {
  return `${label.key}\u0000${label.value}`;
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((item, i) => item === b[i]);
}
