import { gql } from '@urql/core';

/** What limits and budgets attach to (rate limits: KEY, TEAM, PROJECT only). */
export type LimitScope = 'ORGANIZATION' | 'TEAM' | 'PROJECT' | 'ENVIRONMENT' | 'KEY';
export type BudgetPeriod = 'DAY' | 'WEEK' | 'MONTH' | 'LIFETIME';
export type BudgetMode = 'HARD' | 'ALERT';

/** A scope's rate limits; null = no limit of that kind. */
export interface RateLimitRow {
  id: string;
  requestsPerMinute: number | null;
  tokensPerMinute: number | null;
  concurrentRequests: number | null;
}

/** A budget with where it stands in its current window. */
export interface BudgetRow {
  id: string;
  name: string;
  period: BudgetPeriod;
  mode: BudgetMode;
  amountMicros: string;
  alertThresholds: number[];
  webhookOrigin: string | null;
  currentWindow: { start: string; end: string | null };
  spentMicros: string;
  remainingMicros: string;
  percentUsed: number;
  resetsAt: string | null;
}

/** One recorded threshold crossing and its webhook delivery. */
export interface BudgetAlertRow {
  id: string;
  budgetId: string;
  thresholdPercent: number;
  spentMicros: string;
  amountMicros: string;
  windowStart: string;
  recordedAt: string;
  webhookStatus: string;
  webhookAttempts: number;
  webhookLastError: string | null;
}

/** Limits, budgets and the latest alerts of one scope. */
export const ScopeLimitsQuery = gql<
  { rateLimits: RateLimitRow[]; budgets: BudgetRow[]; budgetAlerts: { alerts: BudgetAlertRow[]; nextCursor: string | null } },
  { scope: LimitScope; scopeId: string; rateLimitScope: LimitScope | null; withRateLimits: boolean }
>`
  query ScopeLimits($scope: BudgetScope!, $scopeId: ID!, $rateLimitScope: RateLimitScope, $withRateLimits: Boolean!) {
    rateLimits(scope: $rateLimitScope, scopeId: $scopeId) @include(if: $withRateLimits) {
      id
      requestsPerMinute
      tokensPerMinute
      concurrentRequests
    }
    budgets(scope: $scope, scopeId: $scopeId) {
      id
      name
      period
      mode
      amountMicros
      alertThresholds
      webhookOrigin
      currentWindow {
        start
        end
      }
      spentMicros
      remainingMicros
      percentUsed
      resetsAt
    }
    budgetAlerts(filter: { scope: $scope, scopeId: $scopeId }, first: 20) {
      alerts {
        id
        budgetId
        thresholdPercent
        spentMicros
        amountMicros
        windowStart
        recordedAt
        webhookStatus
        webhookAttempts
        webhookLastError
      }
      nextCursor
    }
  }
`;

/** Values of a rate limit as sent: null = no limit of that kind. */
export interface RateLimitValues {
  requestsPerMinute: number | null;
  tokensPerMinute: number | null;
  concurrentRequests: number | null;
}

export const SetRateLimitMutation = gql<{ setRateLimit: { id: string } }, { input: RateLimitValues & { scope: LimitScope; scopeId: string } }>`
  mutation SetRateLimit($input: SetRateLimitInput!) {
    setRateLimit(input: $input) {
      id
    }
  }
`;

export const RemoveRateLimitMutation = gql<{ removeRateLimit: { id: string } }, { id: string }>`
  mutation RemoveRateLimit($id: ID!) {
    removeRateLimit(id: $id) {
      id
    }
  }
`;

/** What the budget form sends when it creates a budget. */
export interface BudgetInput {
  scope: LimitScope;
  scopeId: string;
  period: BudgetPeriod;
  amountMicros: string;
  mode: BudgetMode;
  alertThresholds: number[];
  webhookUrl?: string;
}

export const CreateBudgetMutation = gql<{ createBudget: { id: string } }, { input: BudgetInput }>`
  mutation CreateBudget($input: CreateBudgetInput!) {
    createBudget(input: $input) {
      id
    }
  }
`;

export const UpdateBudgetMutation = gql<
  { updateBudget: { id: string } },
  { id: string; input: { amountMicros: string; mode: BudgetMode; alertThresholds: number[]; webhookUrl?: string } }
>`
  mutation UpdateBudget($id: ID!, $input: UpdateBudgetInput!) {
    updateBudget(id: $id, input: $input) {
      id
    }
  }
`;

export const DeleteBudgetMutation = gql<{ deleteBudget: string }, { id: string }>`
  mutation DeleteBudget($id: ID!) {
    deleteBudget(id: $id)
  }
`;

export const OrganizationQuery = gql<{ organization: { id: string; name: string; timeZone: string } }, Record<string, never>>`
  query Organization {
    organization {
      id
      name
      timeZone
    }
  }
`;

export const SetOrganizationTimeZoneMutation = gql<{ setOrganizationTimeZone: { id: string; timeZone: string } }, { timeZone: string }>`
  mutation SetOrganizationTimeZone($timeZone: String!) {
    setOrganizationTimeZone(timeZone: $timeZone) {
      id
      timeZone
    }
  }
`;
