import type { ModelRouteInput } from './routing.graphql.ts';

/** A route as typed into a form: every field is the input's raw text. */
export interface RouteDraft {
  providerId: string;
  upstreamModel: string;
  priority: string;
  weight: string;
  /** The environment name the route serves; '' = every environment without routes of its own. */
  environment: string;
}

/** A fresh draft with the server's defaults (priority 0, weight 1, every environment). */
export function emptyRouteDraft(providerId = ''): RouteDraft {
  return { providerId, upstreamModel: '', priority: '0', weight: '1', environment: '' };
}

/** The result of {@link parseRouteDraft}; `field` names the input to mark invalid. */
export type RouteDraftParse =
  | { ok: true; input: ModelRouteInput }
  | { ok: false; field: keyof RouteDraft; message: string };

/**
 * Checks a draft before it is sent, with the control plane's bounds (priority 0–1000, weight
 * 1–1000, whole numbers), so a typo is named next to its field. The server checks again.
 */
export function parseRouteDraft(draft: RouteDraft): RouteDraftParse {
  if (draft.providerId === '') return { ok: false, field: 'providerId', message: 'Choose a provider (add one above first).' };
  const upstreamModel = draft.upstreamModel.trim();
  if (upstreamModel === '') return { ok: false, field: 'upstreamModel', message: 'Enter the model name the provider expects, such as gpt-4o-mini.' };
  const priority = parseWhole(draft.priority, 0, 1000);
  if (priority === null) return { ok: false, field: 'priority', message: 'Priority must be a whole number from 0 to 1000 (lower runs first).' };
  const weight = parseWhole(draft.weight, 1, 1000);
  if (weight === null) return { ok: false, field: 'weight', message: 'Weight must be a whole number from 1 to 1000.' };
  const input: ModelRouteInput = { providerId: draft.providerId, upstreamModel, priority, weight };
  if (draft.environment !== '') input.environment = draft.environment;
  return { ok: true, input };
}

function parseWhole(text: string, min: number, max: number): number | null {
  const trimmed = text.trim();
  if (!/^\d{1,4}$/.test(trimmed)) return null;
  const value = Number(trimmed);
  return value >= min && value <= max ? value : null;
}

/** Keeps `current` while that provider is still listed, else the first provider ('' when none). */
export function keepOrFirstProvider(current: string, providers: readonly { id: string }[]): string {
  if (current !== '' && providers.some((p) => p.id === current)) return current;
  return providers[0]?.id ?? '';
}
