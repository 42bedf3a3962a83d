import { z } from 'zod';
import type { Prisma } from '../generated/prisma/client.ts';
import type { AuditContext } from '../audit/audit-trail.ts';
import { InputError } from './input-error.ts';
import { modelNameSchema } from './input-schemas.ts';

/** Limits of a key's labels: bookkeeping tags, not a document store. */
export const KEY_LABEL_LIMITS = { maxLabels: 32, maxKeyChars: 64, maxValueChars: 256 } as const;

/** Most aliases one key's allow-list may name. */
export const MAX_ALLOWED_ALIASES = 100;

/** One label as the API speaks it; stored as one entry of the key's `labels` JSON object. */
export interface KeyLabelPair {
  key: string;
  value: string;
}

/**
 * Labels: at most 32, keys 1–64 characters of A–Z a–z 0–9 _ . -, values at most 256 characters,
 * each key once. Parsed into the stored form, a JSON object of string → string.
 */
export const keyLabelsSchema = z
  .array(
    z.object({
      key: z
        .string()
        .min(1, 'must not be empty')
        .max(KEY_LABEL_LIMITS.maxKeyChars, `must be at most ${KEY_LABEL_LIMITS.maxKeyChars} characters`)
        .regex(/^[A-Za-z0-9_.-]+$/, 'may contain letters, digits and _ . - only'),
      value: z.string().max(KEY_LABEL_LIMITS.maxValueChars, `must be at most ${KEY_LABEL_LIMITS.maxValueChars} characters`),
    }),
  )
  .max(KEY_LABEL_LIMITS.maxLabels, `may have at most ${KEY_LABEL_LIMITS.maxLabels} labels`)
  .superRefine((labels, ctx) => {
    const seen = new Set<string>();
    labels.forEach((label, index) => {
      if (seen.has(label.key)) ctx.addIssue({ code: 'custom', message: `repeats the label "${label.key}"`, path: [index, 'key'] });
      seen.add(label.key);
    });
  })
  .transform((labels): Record<string, string> => Object.fromEntries([...labels].sort((a, b) => (a.key < b.key ? -1 : 1)).map((l) => [l.key, l.value])));

/** An alias allow-list: deduplicated and sorted; empty = every alias of the organization. */
export const allowedAliasesSchema = z
  .array(modelNameSchema)
  .max(MAX_ALLOWED_ALIASES, `may name at most ${MAX_ALLOWED_ALIASES} aliases`)
  .transform((aliases) => [...new Set(aliases)].sort());

/** A key's stored labels as the API lists them, by key. */
export function labelsOf(stored: Prisma.JsonValue): KeyLabelPair[] {
  if (stored === null || typeof stored !== 'object' || Array.isArray(stored)) return [];
  return Object.entries(stored)
    .filter((entry): entry is [string, string] => typeof entry[1] === 'string')
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([key, value]) => ({ key, value }));
}

/** Refuses an expiry that is not in the future: a key born expired is a mistake, not a feature. */
export function checkExpiry(expiresAt: Date | null | undefined, now: Date): void {
  if (expiresAt !== null && expiresAt !== undefined && expiresAt.getTime() <= now.getTime()) {
    throw new InputError('expiresAt: must be in the future', 'BAD_USER_INPUT', 'expiresAt');
  }
}

/**
 * Refuses an allow-list naming an alias the organization does not have (a typo would otherwise
 * lock the key out of the model it was meant for). Aliases created later can be added with updateKey.
 */
export async function checkAliasesExist(tx: Prisma.TransactionClient, orgId: string, aliases: readonly string[]): Promise<void> {
  if (aliases.length === 0) return;
  const found = new Set((await tx.modelAlias.findMany({ where: { orgId, alias: { in: [...aliases] } }, select: { alias: true } })).map((a) => a.alias));
  const unknown = aliases.filter((alias) => !found.has(alias));
  if (unknown.length > 0) {
    const named = unknown.slice(0, 5).map((a) => `"${a}"`).join(', ') + (unknown.length > 5 ? ` and ${unknown.length - 5} more` : '');
    throw new InputError(`allowedAliases: no model alias named ${named} in your organization`, 'BAD_USER_INPUT', 'allowedAliases');
  }
}

/** Who created a key, from the audit actor: a user or an API token (SYSTEM leaves both null). */
export function creatorOf(audit: AuditContext): { createdByUserId: string | null; createdByTokenId: string | null } {
  return {
    createdByUserId: audit.actor.type === 'USER' ? audit.actor.id : null,
    createdByTokenId: audit.actor.type === 'TOKEN' ? audit.actor.id : null,
  };
}
