import type { PrismaClient } from '../generated/prisma/client.ts';
import { isUuid } from './input-schemas.ts';

/** What analytics show for a key next to its id. */
export interface KeyLabel {
  name: string;
  prefix: string;
}

/**
 * Names and prefixes of the keys with these ids, in one query, limited to `orgId`. Ids that
 * are null, empty or not UUIDs are skipped: events carry whatever key id the data plane wrote,
 * and one non-UUID would make Postgres reject the whole query.
 */
export async function loadKeyLabels(
  prisma: PrismaClient,
  orgId: string,
  keyIds: Iterable<string | null>,
): Promise<Map<string, KeyLabel>> {
  const ids = [...new Set([...keyIds].filter((id): id is string => id !== null && isUuid(id)))];
  if (ids.length === 0) return new Map();
  const found = await prisma.apiKey.findMany({ where: { orgId, id: { in: ids } }, select: { id: true, name: true, prefix: true } });
  return new Map(found.map((k) => [k.id, { name: k.name, prefix: k.prefix }]));
}
