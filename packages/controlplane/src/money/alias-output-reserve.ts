import type { ModelAlias, PrismaClient } from '../generated/prisma/client.ts';
import type { AuditContext } from '../audit/audit-trail.ts';
import { InputError } from '../domain/input-error.ts';
import { updateModelAlias } from '../domain/update-model-alias.ts';

/** Bounds of an alias's output reservation: a few tokens to the largest context windows offered. */
export const RESERVE_OUTPUT_TOKENS_RANGE = { min: 1, max: 2_000_000 } as const;

/**
 * Sets how many output tokens a request to this alias without `max_tokens` reserves against
 * budgets and token limits (null = the data plane's DEFAULT_RESERVE_OUTPUT_TOKENS). A smaller
 * reserve admits more concurrent requests near a budget's end; a larger one overspends less.
 */
export async function setAliasReserveOutputTokens(prisma: PrismaClient, orgId: string, aliasId: string, tokens: number | null, audit: AuditContext): Promise<ModelAlias> {
  if (tokens !== null && (!Number.isInteger(tokens) || tokens < RESERVE_OUTPUT_TOKENS_RANGE.min || tokens > RESERVE_OUTPUT_TOKENS_RANGE.max)) {
    throw new InputError(
      `reserveOutputTokens: must be a whole number from ${RESERVE_OUTPUT_TOKENS_RANGE.min} to ${RESERVE_OUTPUT_TOKENS_RANGE.max}, or null for the data plane default`,
      'BAD_USER_INPUT',
      'reserveOutputTokens',
    );
  }
  return updateModelAlias(prisma, orgId, aliasId, { reserveOutputTokens: tokens }, audit);
}
