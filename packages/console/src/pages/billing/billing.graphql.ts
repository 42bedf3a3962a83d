import { gql } from '@urql/core';

export type BillingMode = 'POSTPAID' | 'PREPAID';
/** What a prepaid account belongs to. */
export type LedgerScope = 'ORGANIZATION' | 'TEAM' | 'PROJECT';
/** Customer accounts (ORGANIZATION, TEAM, PROJECT) and the organisation's counter-accounts. */
export type LedgerAccountKind = LedgerScope | 'PROVIDER_SPEND' | 'TOP_UPS' | 'ADJUSTMENTS' | 'CREDIT_CODES';
export type LedgerTransactionKind = 'REQUEST' | 'TOP_UP' | 'ADJUSTMENT' | 'CREDIT_REDEMPTION';

/** A ledger account with its balance (Σ of its entries, derived by the server when read). */
export interface LedgerAccountRow {
  id: string;
  kind: LedgerAccountKind;
  /** The organisation's, team's or project's id; null for counter-accounts. */
  scopeId: string | null;
  balanceMicros: string;
  createdAt: string;
}

/** The organisation (its billing mode) and every account the viewer may read. */
export const BillingOverviewQuery = gql<
  { organization: { id: string; name: string; billingMode: BillingMode }; ledgerAccounts: LedgerAccountRow[] },
  Record<string, never>
>`
  query BillingOverview {
    organization {
      id
      name
      billingMode
    }
    ledgerAccounts {
      id
      kind
      scopeId
      balanceMicros
      createdAt
    }
  }
`;

/** One side of a transaction. */
export interface LedgerEntryRow {
  id: string;
  accountId: string;
  amountMicros: string;
}

/** A balanced, append-only transaction with its entries and what it traces back to. */
export interface LedgerTransactionRow {
  id: string;
  kind: LedgerTransactionKind;
  idempotencyKey: string;
  occurredAt: string;
  memo: string;
  requestId: string | null;
  pricingRuleId: string | null;
  pricingRuleVersion: number | null;
  teamId: string | null;
  projectId: string | null;
  keyId: string | null;
  actorType: string | null;
  entries: LedgerEntryRow[];
}

/** What the ledger query narrows by; absent = any. */
export interface LedgerFilter {
  accountId?: string;
  kind?: LedgerTransactionKind;
  from?: string;
  to?: string;
}

export const LedgerTransactionsQuery = gql<
  { ledgerTransactions: { transactions: LedgerTransactionRow[]; nextCursor: string | null } },
  { filter: LedgerFilter; first: number; after: string | null }
>`
  query LedgerTransactions($filter: LedgerTransactionFilter, $first: Int, $after: String) {
    ledgerTransactions(filter: $filter, first: $first, after: $after) {
      transactions {
        id
        kind
        idempotencyKey
        occurredAt
        memo
        requestId
        pricingRuleId
        pricingRuleVersion
        teamId
        projectId
        keyId
        actorType
        entries {
          id
          accountId
          amountMicros
        }
      }
      nextCursor
    }
  }
`;

export const SetBillingModeMutation = gql<{ setBillingMode: BillingMode }, { mode: BillingMode }>`
  mutation SetBillingMode($mode: BillingMode!) {
    setBillingMode(mode: $mode)
  }
`;

/** A top-up or adjustment as sent: micros, and the key that makes a repeated send post once. */
export interface BalancePostingInput {
  scope: LedgerScope;
  scopeId: string;
  amountMicros: string;
  memo?: string;
  idempotencyKey: string;
}

export const TopUpMutation = gql<{ topUp: { id: string } }, { input: BalancePostingInput }>`
  mutation TopUp($input: BalancePostingInput!) {
    topUp(input: $input) {
      id
    }
  }
`;

export const AdjustBalanceMutation = gql<{ adjustBalance: { id: string } }, { input: BalancePostingInput }>`
  mutation AdjustBalance($input: BalancePostingInput!) {
    adjustBalance(input: $input) {
      id
    }
  }
`;

/** A new credit code: `code` is in this answer only. */
export interface CreatedCreditCode {
  code: string;
  creditCode: { id: string; prefix: string; amountMicros: string; expiresAt: string | null };
}

export const CreateCreditCodeMutation = gql<{ createCreditCode: CreatedCreditCode }, { input: { amountMicros: string; expiresAt?: string } }>`
  mutation CreateCreditCode($input: CreateCreditCodeInput!) {
    createCreditCode(input: $input) {
      code
      creditCode {
        id
        prefix
        amountMicros
        expiresAt
      }
    }
  }
`;

export const RedeemCreditCodeMutation = gql<{ redeemCreditCode: { id: string } }, { input: { code: string; scope: LedgerScope; scopeId: string } }>`
  mutation RedeemCreditCode($input: RedeemCreditCodeInput!) {
    redeemCreditCode(input: $input) {
      id
    }
  }
`;

/** Pricing rules by id, so a REQUEST posting can name the provider model its price came from. */
export const PricingRuleNamesQuery = gql<{ pricingRules: Array<{ id: string; model: string; version: number; provider: { name: string } }> }, Record<string, never>>`
  query PricingRuleNames {
    pricingRules {
      id
      model
      version
      provider {
        name
      }
    }
  }
`;
