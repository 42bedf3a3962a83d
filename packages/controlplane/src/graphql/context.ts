import type { Logger } from 'pino';
import type { SecretKey } from '@proxystacks/shared/crypto/sealed-secret';
import type { ClickHouse } from '../analytics/clickhouse.ts';
import type { Admin } from '../domain/admin-tokens.ts';
import type { ConfigChangeMark } from './config-change-batching.ts';
import type { PrismaClient } from '../generated/prisma/client.ts';

/** What the GraphQL API needs from the rest of the control plane. */
export interface GraphQLDeps {
  prisma: PrismaClient;
  clickhouse: ClickHouse;
  /** HMAC secret for API key and admin token hashes. */
  keySecret: string;
  /** Seals provider credentials at rest. */
  masterKey: SecretKey;
  /**
   * Called after a mutation's transaction commits; resolves once this process's snapshot includes
   * the change (never rejects). Inside an operation it only marks it: the change is published
   * once, after the operation's last field (graphql/config-change-batching.ts).
   */
  onConfigChanged(): Promise<void>;
  logger: Logger;
  /** Largest /graphql request body (GRAPHQL_MAX_BODY_BYTES); default DEFAULT_GRAPHQL_MAX_BODY_BYTES. */
  maxBodyBytes?: number;
  /** The config snapshot data planes are being served. */
  currentSnapshot(): { version: number; hash: string; createdAt: string };
}

/** Per-request context: the deps and the admin the bearer token belongs to. Every query is scoped to admin.orgId. */
export interface GraphQLContext {
  deps: GraphQLDeps;
  prisma: PrismaClient;
  admin: Admin;
  /** Set by a mutation that changed served config; read once the operation is done. */
  configChange: ConfigChangeMark;
}
