import { z } from 'zod';
import type { Prisma, PricingRule, PrismaClient } from '../generated/prisma/client.ts';
import { writeAudit, type AuditContext } from '../audit/audit-trail.ts';
import { bumpConfigRevision } from './config-revision.ts';
import { InputError, parseInput } from './input-error.ts';
import { idSchema, microsSchema, modelNameSchema } from './input-schemas.ts';
import { inTransaction } from './transaction.ts';
import { afterNotInList, prismaPage, type ListPage } from './list-page.ts';

/** Input of {@link createPricingRule}; prices are integer micro-units per million tokens. */
export interface CreatePricingRuleInput {
  providerId: string;
  /** Upstream model name, as routes send it. */
  model: string;
  inputMicrosPerMTok: bigint;
  outputMicrosPerMTok: bigint;
  /** Price of cached input tokens; null = billed as ordinary input. */
  cachedInputMicrosPerMTok?: bigint | null;
  /** Price of prompt-cache writes (Anthropic: 1.25 × input for the 5-minute cache, 2 × for the 1-hour one); null = billed as ordinary input. */
  cacheWriteMicrosPerMTok?: bigint | null;
}

const createPricingRuleSchema = z.object({
  providerId: idSchema,
  model: modelNameSchema,
  inputMicrosPerMTok: microsSchema,
  outputMicrosPerMTok: microsSchema,
  cachedInputMicrosPerMTok: microsSchema.nullish(),
  cacheWriteMicrosPerMTok: microsSchema.nullish(),
});

/**
 * Adds the next version of a provider model's price. Rules are never edited, so events keep
 * pointing at the price that charged them. The provider row is locked first: two concurrent
 * calls would otherwise both read version n and collide on (provider, model, n + 1).
 */
export async function createPricingRule(
  prisma: PrismaClient,
  orgId: string,
  input: CreatePricingRuleInput,
  audit: AuditContext,
): Promise<PricingRule> {
  const parsed = parseInput(createPricingRuleSchema, input);
  return inTransaction(prisma, async (tx) => {
    const locked = await tx.$queryRaw<Array<{ id: string }>>`
      SELECT id::text AS id FROM provider WHERE id = ${parsed.providerId}::uuid AND org_id = ${orgId}::uuid FOR UPDATE`;
    if (locked.length === 0) {
      throw new InputError('No provider with this id in your organization.', 'NOT_FOUND', 'providerId');
    }
    const rule = await insertPricingRule(tx, parsed);
    await writeAudit(tx, audit, { objectType: 'PricingRule', objectId: rule.id, before: null, after: rule });
    await bumpConfigRevision(tx);
    return rule;
  });
}

/** Inserts version max + 1 of (provider, model). The caller holds the provider row lock or is alone (bootstrap). */
export async function insertPricingRule(
  tx: Prisma.TransactionClient,
  rule: {
    providerId: string;
    model: string;
    inputMicrosPerMTok: bigint;
    outputMicrosPerMTok: bigint;
    cachedInputMicrosPerMTok?: bigint | null | undefined;
    cacheWriteMicrosPerMTok?: bigint | null | undefined;
  },
): Promise<PricingRule> {
  const latest = await tx.pricingRule.aggregate({
    where: { providerId: rule.providerId, model: rule.model },
    _max: { version: true },
  });
  return tx.pricingRule.create({
    data: {
      providerId: rule.providerId,
      model: rule.model,
      version: (latest._max.version ?? 0) + 1,
      inputMicrosPerMTok: rule.inputMicrosPerMTok,
      outputMicrosPerMTok: rule.outputMicrosPerMTok,
      cachedInputMicrosPerMTok: rule.cachedInputMicrosPerMTok ?? null,
      cacheWriteMicrosPerMTok: rule.cacheWriteMicrosPerMTok ?? null,
    },
  });
}

/** Pricing rules of `orgId`'s providers: by model, newest version first. `query` is Pothos' include/select. */
export async function listPricingRules(
  prisma: PrismaClient,
  orgId: string,
  page: ListPage,
  query: { include?: Prisma.PricingRuleInclude; select?: Prisma.PricingRuleSelect } = {},
): Promise<PricingRule[]> {
  const where = { provider: { orgId } };
  if (page.after !== null && (await prisma.pricingRule.count({ where: { ...where, id: page.after } })) === 0) throw afterNotInList();
  return prisma.pricingRule.findMany({
    ...query,
    where,
    orderBy: [{ model: 'asc' }, { providerId: 'asc' }, { version: 'desc' }, { id: 'asc' }],
    ...prismaPage(page),
  } as Prisma.PricingRuleFindManyArgs);
}
