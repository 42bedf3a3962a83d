import type { Logger } from 'pino';
import { createAddressGuardedAgent, isUpstreamAddressRefused } from '@proxystacks/dataplane/upstream/address-guarded-connector';
import type { HostResolver } from '@proxystacks/shared/net/host-resolver';
import { describeCategory, type UpstreamAddressPolicy } from '@proxystacks/shared/net/upstream-address-policy';
import { checkUpstreamUrl } from '@proxystacks/shared/net/upstream-url-policy';
import type { PrismaClient } from '../generated/prisma/client.ts';
import type { BudgetAlertDeliveryQueue } from './budget-alerts.ts';
import { budgetAlertPayload } from './budget-alert-payload.ts';

/** Options of {@link createBudgetWebhookDeliverer}. */
export interface BudgetWebhookDelivererOptions {
  prisma: PrismaClient;
  /** The provider base-URL policy (PROVIDER_URL_ALLOW_LOOPBACK / _PRIVATE); link-local and metadata never. */
  policy: UpstreamAddressPolicy;
  /** Default: the system resolver. Tests answer with a stub. */
  resolve?: HostResolver;
  logger: Pick<Logger, 'warn' | 'debug'>;
  /** Longest wait for the receiver's answer, per attempt. Default 10 s. */
  timeoutMs?: number;
  /** Attempts before an alert is marked `failed`. Default 10. */
  maxAttempts?: number;
  /** Wait before attempt n + 1 after attempt n failed. Default 5 s doubling, at most 10 min (about 40 min in all). */
  retryDelayMs?: (attempt: number) => number;
}

/** Delivers budget alerts to their webhooks in the background. */
export interface BudgetWebhookDeliverer extends BudgetAlertDeliveryQueue {
  /** Resumes every alert still `pending` (left by a crash, a restart, or a recorder without a queue). */
  start(): Promise<void>;
  /** Cancels scheduled retries and waits for attempts in flight. */
  stop(): Promise<void>;
}

/** What one POST came to. */
type Outcome = { ok: true } | { ok: false; error: string; retry: boolean };

const DEFAULT_RETRY_DELAY_MS = (attempt: number) => Math.min(5_000 * 2 ** (attempt - 1), 600_000);

/**
 * POSTs each alert once to its budget's webhook URL, retrying with backoff, and records status,
 * attempts and the last error on the alert row. Delivery is at least once: the payload carries
 * the alert id for receivers to drop repeats (a crash between the POST and the status update
 * resends it after restart).
 *
 * Every connection goes through the data plane's address-guarded connector with the provider
 * policy: the URL was checked when it was saved, and the host is checked again after resolution
 * on every new connection, so a name that later resolves to a metadata address (DNS rebinding)
 * is refused before a socket opens. Redirects are not followed (one could point anywhere).
 */
export function createBudgetWebhookDeliverer(options: BudgetWebhookDelivererOptions): BudgetWebhookDeliverer {
  const { prisma, logger } = options;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const maxAttempts = options.maxAttempts ?? 10;
  const retryDelayMs = options.retryDelayMs ?? DEFAULT_RETRY_DELAY_MS;
  const agent = createAddressGuardedAgent({ policy: options.policy, ...(options.resolve ? { resolve: options.resolve } : {}) });
  /** Alerts with an attempt running or a retry scheduled: at most one of either per alert. */
  const busy = new Map<string, NodeJS.Timeout | null>();
  const running = new Set<Promise<void>>();
  let stopped = false;

  function schedule(alertId: string, delayMs: number): void {
    if (stopped) return;
    const timer = setTimeout(() => {
      busy.set(alertId, null);
      const attempt = attemptDelivery(alertId)
        .catch((err: unknown) => logger.warn({ alertId, reason: (err as Error).message }, 'budget alert webhook attempt failed'))
        .finally(() => {
          running.delete(attempt);
          if (busy.get(alertId) === null) busy.delete(alertId);
        });
      running.add(attempt);
    }, delayMs);
    timer.unref();
    busy.set(alertId, timer);
  }

  async function attemptDelivery(alertId: string): Promise<void> {
    const alert = await prisma.budgetAlert.findUnique({ where: { id: alertId }, include: { budget: true } });
    if (alert === null || alert.webhookStatus !== 'pending') return;
    const outcome: Outcome =
      alert.budget.webhookUrl === null ? { ok: false, error: 'the budget has no webhook any more', retry: false } : await post(alert.budget.webhookUrl, JSON.stringify(budgetAlertPayload(alert)));
    const attempts = alert.webhookAttempts + 1;
    const final = outcome.ok || !outcome.retry || attempts >= maxAttempts;
    // Conditional on the attempt count read above: a second control plane resuming the same alert
    // cannot count one attempt twice or overwrite a later outcome.
    const { count } = await prisma.budgetAlert.updateMany({
      where: { id: alertId, webhookStatus: 'pending', webhookAttempts: alert.webhookAttempts },
      data: outcome.ok
        ? { webhookStatus: 'delivered', webhookAttempts: attempts, webhookLastError: null, deliveredAt: new Date() }
        : { webhookStatus: final ? 'failed' : 'pending', webhookAttempts: attempts, webhookLastError: outcome.error },
    });
    if (count === 1 && !final) schedule(alertId, retryDelayMs(attempts));
  }

  async function post(url: string, body: string): Promise<Outcome> {
    const verdict = checkUpstreamUrl(url, options.policy);
    if (verdict.kind === 'refused') return { ok: false, error: `refused: the URL ${verdict.category ? `points at ${describeCategory(verdict.category)}` : 'is not allowed'}`, retry: false };
    const target = new URL(url);
    try {
      const response = await agent.request({
        origin: target.origin,
        path: `${target.pathname}${target.search}`,
        method: 'POST',
        headers: { 'content-type': 'application/json', 'user-agent': 'proxystacks-relay-budget-alert' },
        body,
        signal: AbortSignal.timeout(timeoutMs),
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
      });
      // The receiver's body is never read into the row (it could echo anything): drained and dropped.
      await response.body.dump({ limit: 64 * 1024 }).catch(() => undefined);
      const status = response.statusCode;
      if (status >= 200 && status < 300) return { ok: true };
      if (status >= 300 && status < 400) return { ok: false, error: `answered ${status} (redirects are not followed)`, retry: false };
      return { ok: false, error: `answered ${status}`, retry: status >= 500 || status === 408 || status === 429 };
    } catch (err) {
      if (isUpstreamAddressRefused(err)) return { ok: false, error: `refused: the webhook host is ${describeCategory(err.category)}`, retry: false };
      // The code only (ECONNREFUSED, UND_ERR_HEADERS_TIMEOUT, …): messages can carry the host or URL.
      const code = (err as { code?: unknown; name?: unknown }).code ?? (err as { name?: unknown }).name;
      return { ok: false, error: `connection failed (${typeof code === 'string' ? code : 'error'})`, retry: true };
    }
  }

  return {
    enqueue(alertId) {
      if (!busy.has(alertId)) schedule(alertId, 0);
    },
    async start() {
      const pending = await prisma.budgetAlert.findMany({ where: { webhookStatus: 'pending' }, select: { id: true }, orderBy: { createdAt: 'asc' } });
      for (const { id } of pending) this.enqueue(id);
    },
    async stop() {
      stopped = true;
      for (const timer of busy.values()) if (timer !== null) clearTimeout(timer);
      await Promise.allSettled([...running]);
      await agent.close();
    },
  };
}
