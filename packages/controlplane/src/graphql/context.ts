import type { Logger } from 'pino';
import type { SecretKey } from '@proxystacks/shared/crypto/sealed-secret';
import type { ClickHouse } from '../analytics/clickhouse.ts';
import type { Admin } from '../domain/admin-tokens.ts';
import type { PrismaClient } from '../generated/prisma/client.ts';

/** What the GraphQL API needs from the rest of the control plane. */
export interface GraphQLDeps {
  prisma: PrismaClient;
  clickhouse: ClickHouse;
  /** HMAC secret for API key and admin token hashes. */
  keySecret: string;
  /** Seals provider credentials at rest. */
  masterKey: SecretKey;
  /** Called after a mutation's transaction commits; resolves once this process's snapshot includes the change (never rejects). */
  onConfigChanged(): Promise<void>;
  logger: Logger;
  /** The config snapshot data planes are being served. */
  currentSnapshot(): { version: number; hash: string; createdAt: string };
}

/** Per-request context: the deps and the admin the bearer token belongs to. Every query is scoped to admin.orgId. */
export interface GraphQLContext {
  deps: GraphQLDeps;
  prisma: PrismaClient;
  admin: Admin;
}
