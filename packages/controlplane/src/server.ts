import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Logger } from 'pino';
import type { Plugin } from 'graphql-yoga';
import { systemHostResolver } from '@proxystacks/shared/net/host-resolver';
import type { ClickHouse } from './analytics/clickhouse.ts';
import { createRequestTail } from './analytics/request-tail.ts';
import type { ControlplaneConfig } from './config.ts';
import { serveConsole } from './console-assets.ts';
import type { Database } from './db/client.ts';
import type { SnapshotPublisher } from './domain/snapshot-publisher.ts';
import { createGraphQLHandler, GRAPHQL_ENDPOINT } from './graphql/handler.ts';
import { handleAuth } from './auth/session-routes.ts';
import { handleExport } from './export/export-routes.ts';
import { createBatchIdMemory } from './internal/batch-id-memory.ts';
import { handleInternal, sendJson } from './internal/internal-api.ts';
import { createQuotaAlertRecorder, type BudgetAlertRecorder } from './quota/budget-alert-recorder.ts';
import { createQuotaService } from './quota/quota-service.ts';
import { exportLedgerCsv, LEDGER_CSV_PATH } from './ledger/ledger-csv-export.ts';
import { createDeploymentHealthStore } from './health/deployment-health-store.ts';

export interface ControlplaneServerOptions {
  config: ControlplaneConfig;
  db: Database;
  clickhouse: ClickHouse;
  publisher: SnapshotPublisher;
  logger: Logger;
  /**
   * Resolves once this process's own data plane serves a snapshot of at least `version` (the
   * `relay start` child acknowledges each one); absent for a control plane alone.
   */
  awaitDataplane?: (version: number) => Promise<void>;
  /** Records crossed budget thresholds; default inserts budget_alert rows only. */
  recordBudgetAlerts?: BudgetAlertRecorder;
  /** A span per GraphQL operation when tracing is on (graphql/operation-tracing.ts). */
  tracingPlugin?: Plugin;
}

/**
 * The control plane's HTTP server: `/graphql` (admin API), `/auth/*` (console sign-in, cookie
 * sessions), `/export/*.csv` (analytics and ledger downloads, same authentication as /graphql),
 * `/internal/v1/*` (data planes), `/healthz`, and the console at every other path.
 */
export function createControlplane(options: ControlplaneServerOptions): { listen(port: number, host: string): Promise<number>; close(): Promise<void> } {
  const { config, publisher, logger } = options;
  const deploymentHealth = createDeploymentHealthStore({ intervalMs: config.healthReportIntervalMs });
  // Events reach the tail from this process's ingest endpoint (internal-api.ts).
  const requestTail = createRequestTail();
  const yoga = createGraphQLHandler({
    requestTail,
    prisma: options.db.prisma,
    clickhouse: options.clickhouse,
    keySecret: config.keySecret,
    masterKey: config.masterKey,
    providerUrls: { policy: config.providerUrlPolicy, resolve: systemHostResolver },
    maxBodyBytes: config.graphqlMaxBodyBytes,
    auth: config.auth,
    analyticsRetention: config.analyticsRetention,
    deploymentHealth,
    ...(options.tracingPlugin ? { tracingPlugin: options.tracingPlugin } : {}),
    // The mutation answers once this process's data plane has the change: a revoked key is
    // refused by the time revokeKey returns. A failed rebuild is retried by the poll loop.
    onConfigChanged: () =>
      publisher
        .refresh()
        .then(() => options.awaitDataplane?.(publisher.current().version))
        .catch((err: unknown) => logger.warn({ reason: (err as Error).message }, 'snapshot refresh after a change failed')),
    logger,
    currentSnapshot: () => {
      const s = publisher.current();
      return { version: s.version, hash: s.hash, createdAt: s.createdAt };
    },
  });
  const quota = createQuotaService({
    prisma: options.db.prisma,
    currentSnapshot: () => publisher.current(),
    leaseTtlMs: config.quotaLeaseTtlMs,
    recordAlerts: options.recordBudgetAlerts ?? createQuotaAlertRecorder(options.db.prisma),
    logger,
  });
  const internal = {
    internalToken: config.internalToken,
    internalTokenPrevious: config.internalTokenPrevious,
    publisher,
    clickhouse: options.clickhouse,
    batches: createBatchIdMemory(),
    logger,
    prisma: options.db.prisma,
    quota,
    deploymentHealth,
    tail: requestTail,
  };
  const auth = { prisma: options.db.prisma, keySecret: config.keySecret, auth: config.auth, logger };
  const exportDeps = { ...auth, clickhouse: options.clickhouse, analyticsRetention: config.analyticsRetention };
  const sockets = new Set<Socket>();

  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]!;
    const handle = async () => {
      if (path === GRAPHQL_ENDPOINT) return void (await yoga.requestListener(req, res));
      if (path === LEDGER_CSV_PATH) return exportLedgerCsv(req, res, { prisma: options.db.prisma, keySecret: config.keySecret, auth: config.auth });
      if (path === '/healthz') return sendJson(res, 200, { status: 'ok', snapshot_version: publisher.current().version });
      if (await handleAuth(req, res, path, auth)) return;
      if (await handleExport(req, res, path, exportDeps)) return;
      if (await handleInternal(req, res, path, internal)) return;
      await serveConsole(req, res, path, config.consoleDir);
    };
    handle().catch((err: unknown) => {
      logger.error({ err, path }, 'control plane request failed');
      if (!res.headersSent) sendJson(res, 500, { error: { message: 'Internal error.', code: 'internal_error' } });
      else res.destroy();
    });
  });
  // Idle keep-alive connections stay open 65 s (Node's default is 5 s). Load balancers and the
  // data planes' pollers pool connections for about a minute; with a 5 s server timeout a request
  // sent on a pooled socket just as the server gives up on it is reset (ECONNRESET), and after an
  // event-loop stall the timer fires before the waiting request is read. headersTimeout must stay
  // above keepAliveTimeout, or Node closes a slow idle socket first.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  return {
    listen: (port, host) =>
      new Promise((resolve, reject) => {
        server.once('error', (err: NodeJS.ErrnoException) =>
          reject(err.code === 'EADDRINUSE' ? new Error(`The control plane could not listen on ${host}:${port}: the port is in use`) : err),
        );
        server.listen(port, host, () => {
          deploymentHealth.start();
          resolve((server.address() as AddressInfo).port);
        });
      }),
    close: () =>
      new Promise<void>((resolve) => {
        deploymentHealth.stop();
        if (!server.listening) return resolve();
        server.close(() => resolve());
        // Idle keep-alive connections (browsers, data plane pollers) would hold close() open.
        for (const socket of sockets) socket.destroy();
      }),
  };
}
