import type { PrismaClient } from '../generated/prisma/client.ts';
import type { KeyLabel } from './key-labels.ts';
import { isUuid } from './input-schemas.ts';

/** Ids whose display names an analytics answer needs (event values: '' or junk are skipped). */
export interface ScopeIds {
  teamIds?: Iterable<string | null>;
  projectIds?: Iterable<string | null>;
  keyIds?: Iterable<string | null>;
  /** Providers of a request's attempts (the request log's `attemptLog`). */
  providerIds?: Iterable<string | null>;
}

/** Names of the teams, projects, keys and providers an analytics answer mentions, by id. */
export interface ScopeLabels {
  teams: Map<string, string>;
  projects: Map<string, string>;
  keys: Map<string, KeyLabel>;
  providers: Map<string, string>;
}

interface LabelRow {
  kind: 'team' | 'project' | 'key' | 'provider';
  id: string;
  name: string;
  prefix: string | null;
}

/**
 * Names of the teams, projects, keys and providers with these ids, limited to `orgId`, in ONE
 * round trip whatever the number of rows (a UNION over the four tables): analytics answers hold up to
 * 1000 groups or 200 requests, and a lookup per row would cost as many queries. Values are bound
 * parameters (Prisma's tagged template), never SQL text. Ids that are not UUIDs are skipped:
 * events carry whatever the data plane wrote, and one bad value would make Postgres reject the
 * whole query.
 */
export async function loadScopeLabels(prisma: PrismaClient, orgId: string, ids: ScopeIds): Promise<ScopeLabels> {
  const teamIds = uuids(ids.teamIds);
  const projectIds = uuids(ids.projectIds);
  const keyIds = uuids(ids.keyIds);
  const providerIds = uuids(ids.providerIds);
  const labels: ScopeLabels = { teams: new Map(), projects: new Map(), keys: new Map(), providers: new Map() };
  if (!isUuid(orgId) || teamIds.length + projectIds.length + keyIds.length + providerIds.length === 0) return labels;
  const rows = await prisma.$queryRaw<LabelRow[]>`
    SELECT 'team' AS kind, id::text AS id, name, NULL::text AS prefix FROM team WHERE org_id = ${orgId}::uuid AND id = ANY(${teamIds}::uuid[])
    UNION ALL
    SELECT 'project', id::text, name, NULL FROM project WHERE org_id = ${orgId}::uuid AND id = ANY(${projectIds}::uuid[])
    UNION ALL
    SELECT 'key', id::text, name, prefix FROM api_key WHERE org_id = ${orgId}::uuid AND id = ANY(${keyIds}::uuid[])
    UNION ALL
    SELECT 'provider', id::text, name, NULL FROM provider WHERE org_id = ${orgId}::uuid AND id = ANY(${providerIds}::uuid[])`;
  for (const row of rows) {
    if (row.kind === 'team') labels.teams.set(row.id, row.name);
    else if (row.kind === 'project') labels.projects.set(row.id, row.name);
    else if (row.kind === 'provider') labels.providers.set(row.id, row.name);
    else labels.keys.set(row.id, { name: row.name, prefix: row.prefix ?? '' });
  }
  return labels;
}

function uuids(values: Iterable<string | null> | undefined): string[] {
  if (values === undefined) return [];
  return [...new Set([...values].filter((id): id is string => id !== null && isUuid(id)))];
}
