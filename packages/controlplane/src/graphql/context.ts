import type { Logger } from 'pino';
import type { Plugin } from 'graphql-yoga';
import type { SecretKey } from '@proxystacks/shared/crypto/sealed-secret';
import type { AnalyticsRetentionDays } from '@proxystacks/shared/events/request-rollups-ddl';
import type { ClickHouse } from '../analytics/clickhouse.ts';
import type { RequestTail } from '../analytics/request-tail.ts';
import type { AuthSettings } from '../auth/auth-settings.ts';
import type { Principal } from '../auth/roles.ts';
import type { ProviderUrlGuard } from '../domain/provider-url-guard.ts';
import type { ConfigChangeMark } from './config-change-batching.ts';
import type { PrismaClient } from '../generated/prisma/client.ts';
import type { DeploymentHealthStore } from '../health/deployment-health-store.ts';

/** What the GraphQL API needs from the rest of the control plane. */
export interface GraphQLDeps {
  prisma: PrismaClient;
  clickhouse: ClickHouse;
  /** HMAC secret for API key, token, session and set-up link hashes. */
  keySecret: string;
  /** Seals provider credentials at rest. */
  masterKey: SecretKey;
  /** Checks provider base URLs (policy from config, resolver injectable for tests). */
  providerUrls: ProviderUrlGuard;
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
  /** Console sessions and set-up links; default DEFAULT_AUTH_SETTINGS. */
  auth?: AuthSettings;
  /** The clock budget windows are read at (epoch ms); default Date.now. Tests pass a fake one. */
  now?: () => number;
  /** Analytics TTLs: a rollup is read only for ranges it still holds; default keep forever. */
  analyticsRetention?: AnalyticsRetentionDays;
  /** What the data planes report about each deployment; absent = no reports (every state unknown). */
  deploymentHealth?: DeploymentHealthStore;
  /** Events as they are ingested, for `requestTail`; absent = a tail nothing publishes to. */
  requestTail?: RequestTail;
  /** A span per operation (graphql/operation-tracing.ts) when tracing is on; absent = off. */
  tracingPlugin?: Plugin;
}

/** Where a request came from, for the audit trail. */
export interface RequestOrigin {
  /** The x-request-id answered to the caller. */
  requestId: string;
  /** The peer address of the HTTP connection. */
  clientAddress: string;
  /**
   * Where the console is, for set-up links: RELAY_PUBLIC_URL, else the origin the request was
   * sent to. Absent outside HTTP requests.
   */
  consoleOrigin?: string;
}

/**
 * Per-request context: the deps, who is calling and where from. Every query is scoped to
 * principal.orgId; what the principal may do is declared on the fields (graphql/builder.ts).
 */
export interface GraphQLContext {
  deps: GraphQLDeps;
  prisma: PrismaClient;
  principal: Principal;
  origin: RequestOrigin;
  /** Set by a mutation that changed served config; read once the operation is done. */
  configChange: ConfigChangeMark;
}
