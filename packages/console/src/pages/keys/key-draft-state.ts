import { createSignal, type Accessor } from 'solid-js';
import type { ExpiryChoice, KeySettingsDraft } from './key-form.ts';
import type { KeyLabel } from './keys.graphql.ts';

/** The signals behind a key's settings fields, shared by the create form and the edit dialog. */
export interface KeyDraftState {
  name: Accessor<string>;
  setName(name: string): void;
  expiry: Accessor<ExpiryChoice>;
  setExpiry(choice: ExpiryChoice): void;
  expiryDate: Accessor<string>;
  setExpiryDate(date: string): void;
  aliases: Accessor<readonly string[]>;
  toggleAlias(alias: string, on: boolean): void;
  labels: Accessor<readonly KeyLabel[]>;
  setLabel(index: number, patch: Partial<KeyLabel>): void;
  addLabel(): void;
  removeLabel(index: number): void;
  /** The fields as typed, for checkKeySettings and friends. */
  draft(): KeySettingsDraft;
  /** Replaces every field (a fresh form, or the key a dialog opened on). */
  reset(draft: KeySettingsDraft): void;
}

/** An empty draft: no name, never expires, every alias, no labels. */
export const EMPTY_KEY_SETTINGS: KeySettingsDraft = { name: '', expiry: 'never', expiryDate: '', allowedAliases: [], labels: [] };

/** Signals for one form's key settings, starting from `initial`. */
export function createKeyDraftState(initial: KeySettingsDraft = EMPTY_KEY_SETTINGS): KeyDraftState {
  const [name, setName] = createSignal(initial.name);
  const [expiry, setExpiry] = createSignal<ExpiryChoice>(initial.expiry);
  const [expiryDate, setExpiryDate] = createSignal(initial.expiryDate);
  const [aliases, setAliases] = createSignal<readonly string[]>(initial.allowedAliases);
  const [labels, setLabels] = createSignal<readonly KeyLabel[]>(initial.labels);
  return {
    name,
    setName,
    expiry,
    setExpiry,
    expiryDate,
    setExpiryDate,
    aliases,
    toggleAlias: (alias, on) => setAliases((list) => (on ? [...list.filter((a) => a !== alias), alias] : list.filter((a) => a !== alias))),
    labels,
    setLabel: (index, patch) => setLabels((rows) => rows.map((row, i) => (i === index ? { ...row, ...patch } : row))),
    addLabel: () => setLabels((rows) => [...rows, { key: '', value: '' }]),
    removeLabel: (index) => setLabels((rows) => rows.filter((_, i) => i !== index)),
    draft: () => ({ name: name(), expiry: expiry(), expiryDate: expiryDate(), allowedAliases: aliases(), labels: labels() }),
    reset(draft) {
      setName(draft.name);
      setExpiry(draft.expiry);
      setExpiryDate(draft.expiryDate);
      setAliases(draft.allowedAliases);
      setLabels(draft.labels);
    },
  };
}
