import { z } from 'zod';
import type { Prisma, PrismaClient } from '../generated/prisma/client.ts';
import type { AuditContext } from '../audit/audit-trail.ts';
import { InputError, parseInput } from './input-error.ts';
import { nameSchema } from './input-schemas.ts';
import { changeKey, type KeyChange } from './key-lifecycle.ts';
import { allowedAliasesSchema, checkAliasesExist, checkExpiry, keyLabelsSchema, type KeyLabelPair } from './key-settings.ts';

/** Changes to a key's settings. Omitted (or null) fields stay as they are; lists and labels are replaced whole. */
export interface UpdateKeyInput {
  name?: string | null;
  /** A new expiry, in the future. */
  expiresAt?: Date | null;
  /** true = the key never expires (cannot be combined with expiresAt). */
  clearExpiry?: boolean | null;
  /** The new allow-list; [] = every alias. */
  allowedAliases?: string[] | null;
  /** The new labels; [] = none. */
  labels?: KeyLabelPair[] | null;
}

const updateKeySchema = z.object({
  name: nameSchema.nullish(),
  expiresAt: z.date().nullish(),
  clearExpiry: z.boolean().nullish(),
  allowedAliases: allowedAliasesSchema.nullish(),
  labels: keyLabelsSchema.nullish(),
});

/** Changes a key's name, expiry, alias allow-list or labels; data planes apply it with the next snapshot. */
export async function updateKey(prisma: PrismaClient, orgId: string, id: string, input: UpdateKeyInput, audit: AuditContext): Promise<KeyChange> {
  const parsed = parseInput(updateKeySchema, input);
  if (parsed.clearExpiry && parsed.expiresAt) {
    throw new InputError('clearExpiry: cannot be combined with expiresAt (send one of them)', 'BAD_USER_INPUT', 'clearExpiry');
  }
  checkExpiry(parsed.expiresAt, new Date());
  const data: Prisma.ApiKeyUpdateInput = {};
  if (parsed.name) data.name = parsed.name;
  if (parsed.expiresAt) data.expiresAt = parsed.expiresAt;
  if (parsed.clearExpiry) data.expiresAt = null;
  if (parsed.allowedAliases) data.allowedAliases = parsed.allowedAliases;
  if (parsed.labels) data.labels = parsed.labels;
  return changeKey(prisma, orgId, id, audit, async (_key, _now, tx) => {
    if (parsed.allowedAliases) await checkAliasesExist(tx, orgId, parsed.allowedAliases);
    return Object.keys(data).length === 0 ? null : data;
  });
}
