import { RelayError } from '@proxystacks/shared/errors/relay-error';
import { minuteWindow } from '@proxystacks/shared/quota/budget-window';
import { authenticate } from '../auth/authenticate.ts';
import type { Exchange } from '../http/exchange.ts';
import type { Admission } from '../quota/admission.ts';
import { admissionPlan } from '../quota/admission-plan.ts';
import { remainingOverall } from '../quota/local-counter.ts';
import type { SnapshotStore } from '../snapshot/snapshot-store.ts';

const RATE_KIND_NAMES = { rpm: 'requests_per_minute', tpm: 'tokens_per_minute', conc: 'concurrent_requests' } as const;

/**
 * `GET /v1/key` (as OpenRouter's `/api/v1/key`): the calling key's own description — id,
 * prefix, name, scope ids, status, expiry, allowed models — and every rate limit, budget and
 * prepaid balance that applies to it, with what is used and left in the current window and
 * when that resets. Authenticated by the key itself, no admin rights; it shows nothing of any
 * other key or tenant. Figures are this data plane's view: its leases plus what the control
 * plane reported left for everyone at the last renewal.
 */
export async function serveKeyInfo(ex: Exchange, snapshots: SnapshotStore, keySecret: string, admission: Admission): Promise<void> {
  try {
    const snapshot = snapshots.current();
    if (snapshot === null) throw new RelayError('not_ready', 'The gateway has not received its configuration yet. Retry shortly.');
    const key = authenticate(ex.authorization, snapshot, keySecret);
    const plan = admissionPlan(snapshot, key);
    const views = await admission.describe(plan);
    const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
    const rateLimits = [];
    const budgets = [];
    let balance = null;
    for (const { planned, counter } of views) {
      const limit = counter.limit >= 0 ? counter.limit : null;
      const remaining = counter.windowStart === null ? limit : remainingOverall(counter);
      const used = limit === null || remaining === null ? null : Math.max(0, limit - remaining);
      if (planned.rateLimit !== null && (counter.kind === 'rpm' || counter.kind === 'tpm' || counter.kind === 'conc')) {
        const windowEnd = counter.kind === 'conc' ? null : (counter.windowEnd ?? minuteWindow(Date.now()).end);
        rateLimits.push({ scope: planned.rateLimit.scope, kind: RATE_KIND_NAMES[counter.kind], limit, used, remaining, window_start: counter.kind === 'conc' ? null : iso(counter.windowStart), resets_at: iso(windowEnd) });
      } else if (planned.budget !== null) {
        const b = planned.budget;
        budgets.push({ id: b.id, scope: b.scope, name: b.name, period: b.period, mode: b.mode, amount_micros: b.amountMicros, spent_micros: used, remaining_micros: remaining, window_start: iso(counter.windowStart), resets_at: iso(counter.windowEnd) });
      } else if (counter.kind === 'balance') {
        balance = { scope: planned.scopeLabel, available_micros: limit, spent_micros: used, remaining_micros: remaining };
      }
    }
    const body = {
      data: {
        object: 'api_key',
        id: key.id,
        prefix: key.prefix,
        name: key.name,
        team_id: key.teamId,
        project_id: key.projectId,
        environment_id: key.environmentId,
        environment: key.environment,
        status: key.status,
        expires_at: iso(key.expiresAt),
        allowed_models: key.allowedAliases,
        rate_limits: rateLimits,
        budgets,
        balance,
      },
    };
    ex.sendJson(200, JSON.stringify(body), { 'cache-control': 'no-store' });
  } catch (err) {
    ex.sendError(err);
  }
}
