import type { TeamNode } from '../teams/teams.graphql.ts';
import type { ApiKeyStatus, CreateKeyInput, KeyLabel } from './keys.graphql.ts';

/** Where a new key goes; '' for a level with nothing to choose. */
export interface KeyPlacement {
  teamId: string;
  projectId: string;
  environmentId: string;
}

/** The project a new key lands in when the user does not pick one, if the team has it. */
const PREFERRED_PROJECT = 'default';
/** The environment a new key lands in when the user does not pick one, if the project has it. */
const PREFERRED_ENVIRONMENT = 'production';

/**
 * Completes a (possibly partial or stale) choice of team → project → environment from the tree
 * the viewer may write to. The team defaults to the first team listed, i.e. the one that exists
 * (never to a team by name: installs name their team anything); the project to `default` if the
 * team has one, else its first; the environment to `production`, else the first. A choice that is
 * no longer in the tree is replaced the same way, so the form never submits an unseen id.
 */
export function completePlacement(teams: readonly TeamNode[], chosen: Partial<KeyPlacement> = {}): KeyPlacement {
  const team = teams.find((t) => t.id === chosen.teamId) ?? teams[0];
  if (team === undefined) return { teamId: '', projectId: '', environmentId: '' };
  const project = team.projects.find((p) => p.id === chosen.projectId) ?? team.projects.find((p) => p.name === PREFERRED_PROJECT) ?? team.projects[0];
  if (project === undefined) return { teamId: team.id, projectId: '', environmentId: '' };
  const environment =
    project.environments.find((e) => e.id === chosen.environmentId) ??
    project.environments.find((e) => e.name === PREFERRED_ENVIRONMENT) ??
    project.environments[0];
  return { teamId: team.id, projectId: project.id, environmentId: environment?.id ?? '' };
}

/** Expiry choices of the form, as offsets from now; `custom` reads a date field. */
export const EXPIRY_CHOICES = [
  { id: 'never', label: 'Never', days: null },
  { id: '7d', label: 'In 7 days', days: 7 },
  { id: '30d', label: 'In 30 days', days: 30 },
  { id: '90d', label: 'In 90 days', days: 90 },
  { id: '365d', label: 'In a year', days: 365 },
  { id: 'custom', label: 'On a date…', days: null },
] as const;
/** An expiry choice; `keep` (offered when editing a key that expires) leaves the expiry as it is. */
export type ExpiryChoice = (typeof EXPIRY_CHOICES)[number]['id'] | 'keep';

/** The fields a key's settings are typed into, on the create form and in the edit dialog. */
export interface KeySettingsDraft {
  name: string;
  expiry: ExpiryChoice;
  /** `YYYY-MM-DD` from a date input, used when expiry is `custom`: the key expires at the end of that local day. */
  expiryDate: string;
  /** Empty = every alias. */
  allowedAliases: readonly string[];
  /** Rows as typed; rows with both cells blank are ignored. */
  labels: readonly KeyLabel[];
}

/** The create form's fields as typed: the settings and where the key goes. */
export interface KeyDraft extends KeySettingsDraft {
  environmentId: string;
}

/** The server's label limits (control plane key-settings.ts). */
export const LABEL_LIMITS = { maxLabels: 32, maxKeyChars: 64, maxValueChars: 256 } as const;
const LABEL_KEY = /^[A-Za-z0-9_.-]+$/;

/** Which field a problem is about, for `aria-invalid` and the message. */
export type KeyDraftField = 'name' | 'environment' | 'expiry' | 'labels';

/** A failed check: the field to mark and the message to show next to the form. */
export interface KeyDraftProblem {
  ok: false;
  field: KeyDraftField;
  message: string;
}

/** Checked settings: `expiresAt` is an ISO instant, null for never, undefined for `keep`. */
export interface CheckedKeySettings {
  name: string;
  expiresAt: string | null | undefined;
  /** Sorted, without repeats; [] = every alias. */
  allowedAliases: string[];
  labels: KeyLabel[];
}

/**
 * Checks a key's settings as typed. Rejects what the server would reject (so the user learns
 * before the round trip): no name, an expiry not in the future, a label key outside
 * A–Z a–z 0–9 _ . -, a repeated label key, too many or too long labels.
 */
export function checkKeySettings(draft: KeySettingsDraft, nowMs: number): { ok: true; settings: CheckedKeySettings } | KeyDraftProblem {
  const name = draft.name.trim();
  if (name === '') return { ok: false, field: 'name', message: 'Give the key a name, such as the app that will use it.' };
  if (name.length > 200) return { ok: false, field: 'name', message: 'A key name has at most 200 characters.' };

  let expiresAt: string | null | undefined = draft.expiry === 'keep' ? undefined : null;
  const choice = EXPIRY_CHOICES.find((c) => c.id === draft.expiry);
  if (choice?.days != null) {
    expiresAt = new Date(nowMs + choice.days * 86_400_000).toISOString();
  } else if (draft.expiry === 'custom') {
    const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(draft.expiryDate);
    const endOfDay = match === null ? null : new Date(Number(match[1]), Number(match[2]) - 1, Number(match[3]), 23, 59, 59, 999);
    if (endOfDay === null || Number.isNaN(endOfDay.getTime())) return { ok: false, field: 'expiry', message: 'Pick the day the key stops working.' };
    if (endOfDay.getTime() <= nowMs) return { ok: false, field: 'expiry', message: 'The expiry date must be in the future.' };
    expiresAt = endOfDay.toISOString();
  }

  const labels = checkLabels(draft.labels);
  if (!Array.isArray(labels)) return labels;
  return { ok: true, settings: { name, expiresAt, allowedAliases: [...new Set(draft.allowedAliases)].sort(), labels } };
}

function checkLabels(rows: readonly KeyLabel[]): KeyLabel[] | KeyDraftProblem {
  const labels: KeyLabel[] = [];
  const seen = new Set<string>();
  for (const row of rows) {
    const key = row.key.trim();
    if (key === '' && row.value.trim() === '') continue;
    if (key === '') return { ok: false, field: 'labels', message: 'Every label needs a key.' };
    if (key.length > LABEL_LIMITS.maxKeyChars || !LABEL_KEY.test(key)) {
      return { ok: false, field: 'labels', message: `Label keys are 1–${LABEL_LIMITS.maxKeyChars} characters of letters, digits and _ . - (“${key}” is not).` };
    }
    if (row.value.length > LABEL_LIMITS.maxValueChars) return { ok: false, field: 'labels', message: `Label values have at most ${LABEL_LIMITS.maxValueChars} characters.` };
    if (seen.has(key)) return { ok: false, field: 'labels', message: `The label “${key}” is there twice.` };
    seen.add(key);
    labels.push({ key, value: row.value });
  }
  if (labels.length > LABEL_LIMITS.maxLabels) return { ok: false, field: 'labels', message: `A key has at most ${LABEL_LIMITS.maxLabels} labels.` };
  return labels;
}

/** Checks the create form's draft ({@link checkKeySettings}) and turns it into createKey's input. */
export function checkKeyDraft(draft: KeyDraft, nowMs: number): { ok: true; input: CreateKeyInput } | KeyDraftProblem {
  const checked = checkKeySettings(draft, nowMs);
  if (!checked.ok) return checked;
  const { name, expiresAt, allowedAliases, labels } = checked.settings;
  const input: CreateKeyInput = { name };
  if (draft.environmentId !== '') input.environmentId = draft.environmentId;
  if (expiresAt != null) input.expiresAt = expiresAt;
  if (allowedAliases.length > 0) input.allowedAliases = allowedAliases;
  if (labels.length > 0) input.labels = labels;
  return { ok: true, input };
}

/** What the table says about a key: its stored status, or `EXPIRED` for an active key past its expiry. */
export type KeyDisplayStatus = ApiKeyStatus | 'EXPIRED';

/** A key's status as the data plane treats it now: revoked and disabled win, then expiry. */
export function keyDisplayStatus(key: { status: ApiKeyStatus; expiresAt: string | null }, nowMs: number): KeyDisplayStatus {
  if (key.status !== 'ACTIVE') return key.status;
  return key.expiresAt !== null && Date.parse(key.expiresAt) <= nowMs ? 'EXPIRED' : 'ACTIVE';
}

/** Grace periods offered when rotating: how long the old secret keeps working (the server allows 0–30 days). */
export const GRACE_PERIODS = [
  { seconds: 0, label: 'None: the old secret stops at once' },
  { seconds: 3_600, label: '1 hour' },
  { seconds: 86_400, label: '24 hours' },
  { seconds: 7 * 86_400, label: '7 days' },
  { seconds: 30 * 86_400, label: '30 days' },
] as const;
