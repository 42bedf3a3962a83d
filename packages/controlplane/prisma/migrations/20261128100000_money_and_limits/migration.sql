-- Money and limits (issue 8): the organization's time zone and billing mode, rate limits,
-- budgets and their alerts, the double-entry ledger (accounts, balanced append-only
-- transactions, credit codes), and the admission counters and leases the control plane hands
-- data planes. Nothing existing changes meaning: organizations start in UTC and POSTPAID.

-- CreateEnum
CREATE TYPE "billing_mode" AS ENUM ('POSTPAID', 'PREPAID');

-- CreateEnum
CREATE TYPE "rate_limit_scope" AS ENUM ('KEY', 'TEAM', 'PROJECT');

-- CreateEnum
CREATE TYPE "budget_scope" AS ENUM ('ORGANIZATION', 'TEAM', 'PROJECT', 'ENVIRONMENT', 'KEY');

-- CreateEnum
CREATE TYPE "budget_period" AS ENUM ('DAY', 'WEEK', 'MONTH', 'LIFETIME');

-- CreateEnum
CREATE TYPE "budget_mode" AS ENUM ('HARD', 'ALERT');

-- CreateEnum
CREATE TYPE "ledger_account_kind" AS ENUM ('ORGANIZATION', 'TEAM', 'PROJECT', 'PROVIDER_SPEND', 'TOP_UPS', 'ADJUSTMENTS', 'CREDIT_CODES');

-- AlterTable
ALTER TABLE "organization" ADD COLUMN "time_zone" TEXT NOT NULL DEFAULT 'UTC',
ADD COLUMN "billing_mode" "billing_mode" NOT NULL DEFAULT 'POSTPAID';

-- AlterTable
ALTER TABLE "model_alias" ADD COLUMN "reserve_output_tokens" INTEGER;

-- CreateTable
CREATE TABLE "rate_limit" (
    "id" UUID NOT NULL,
    "org_id" UUID NOT NULL,
    "scope" "rate_limit_scope" NOT NULL,
    "scope_id" UUID NOT NULL,
    "requests_per_minute" INTEGER,
    "tokens_per_minute" INTEGER,
    "concurrent_requests" INTEGER,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "rate_limit_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "budget" (
    "id" UUID NOT NULL,
    "org_id" UUID NOT NULL,
    "scope" "budget_scope" NOT NULL,
    "scope_id" UUID NOT NULL,
    "name" TEXT NOT NULL DEFAULT '',
    "period" "budget_period" NOT NULL,
    "amount_micros" BIGINT NOT NULL,
    "mode" "budget_mode" NOT NULL DEFAULT 'HARD',
    "alert_thresholds" INTEGER[] DEFAULT ARRAY[]::INTEGER[],
    "webhook_url" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "budget_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "budget_alert" (
    "id" UUID NOT NULL,
    "org_id" UUID NOT NULL,
    "budget_id" UUID NOT NULL,
    "window_start" TIMESTAMPTZ(3) NOT NULL,
    "window_end" TIMESTAMPTZ(3),
    "threshold_percent" INTEGER NOT NULL,
    "spent_micros" BIGINT NOT NULL,
    "amount_micros" BIGINT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "webhook_status" TEXT NOT NULL DEFAULT 'none',
    "webhook_attempts" INTEGER NOT NULL DEFAULT 0,
    "webhook_last_error" TEXT,
    "delivered_at" TIMESTAMPTZ(3),

    CONSTRAINT "budget_alert_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ledger_account" (
    "id" UUID NOT NULL,
    "org_id" UUID NOT NULL,
    "kind" "ledger_account_kind" NOT NULL,
    "scope_id" TEXT NOT NULL DEFAULT '',
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ledger_account_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ledger_transaction" (
    "id" UUID NOT NULL,
    "org_id" UUID NOT NULL,
    "idempotency_key" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "occurred_at" TIMESTAMPTZ(3) NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "memo" TEXT NOT NULL DEFAULT '',
    "request_id" TEXT NOT NULL DEFAULT '',
    "pricing_rule_id" TEXT,
    "pricing_rule_version" INTEGER,
    "team_id" TEXT NOT NULL DEFAULT '',
    "project_id" TEXT NOT NULL DEFAULT '',
    "environment_id" TEXT NOT NULL DEFAULT '',
    "key_id" TEXT NOT NULL DEFAULT '',
    "actor_type" TEXT NOT NULL DEFAULT '',
    "actor_id" TEXT NOT NULL DEFAULT '',

    CONSTRAINT "ledger_transaction_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ledger_entry" (
    "id" BIGSERIAL NOT NULL,
    "transaction_id" UUID NOT NULL,
    "account_id" UUID NOT NULL,
    "amount_micros" BIGINT NOT NULL,
    "occurred_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "ledger_entry_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "credit_code" (
    "id" UUID NOT NULL,
    "org_id" UUID NOT NULL,
    "code_hash" TEXT NOT NULL,
    "prefix" TEXT NOT NULL,
    "amount_micros" BIGINT NOT NULL,
    "expires_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "redeemed_at" TIMESTAMPTZ(3),
    "redeemed_to_account_id" UUID,

    CONSTRAINT "credit_code_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "quota_counter" (
    "key" TEXT NOT NULL,
    "window_start" TIMESTAMPTZ(3) NOT NULL,
    "window_end" TIMESTAMPTZ(3),
    "base_used" BIGINT NOT NULL DEFAULT 0,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "quota_counter_pkey" PRIMARY KEY ("key","window_start")
);

-- CreateTable
CREATE TABLE "quota_lease" (
    "key" TEXT NOT NULL,
    "window_start" TIMESTAMPTZ(3) NOT NULL,
    "instance_id" TEXT NOT NULL,
    "dataplane_id" TEXT NOT NULL,
    "granted" BIGINT NOT NULL DEFAULT 0,
    "used" BIGINT NOT NULL DEFAULT 0,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "quota_lease_pkey" PRIMARY KEY ("key","window_start","instance_id")
);

-- CreateIndex
CREATE INDEX "rate_limit_org_id_idx" ON "rate_limit"("org_id");

-- CreateIndex
CREATE UNIQUE INDEX "rate_limit_scope_scope_id_key" ON "rate_limit"("scope", "scope_id");

-- CreateIndex
CREATE INDEX "budget_org_id_idx" ON "budget"("org_id");

-- CreateIndex
CREATE UNIQUE INDEX "budget_scope_scope_id_period_key" ON "budget"("scope", "scope_id", "period");

-- CreateIndex
CREATE INDEX "budget_alert_org_id_created_at_idx" ON "budget_alert"("org_id", "created_at");

-- CreateIndex
CREATE UNIQUE INDEX "budget_alert_budget_id_window_start_threshold_percent_key" ON "budget_alert"("budget_id", "window_start", "threshold_percent");

-- CreateIndex
CREATE UNIQUE INDEX "ledger_account_org_id_kind_scope_id_key" ON "ledger_account"("org_id", "kind", "scope_id");

-- CreateIndex
CREATE UNIQUE INDEX "ledger_transaction_idempotency_key_key" ON "ledger_transaction"("idempotency_key");

-- CreateIndex
CREATE INDEX "ledger_transaction_org_id_occurred_at_idx" ON "ledger_transaction"("org_id", "occurred_at");

-- CreateIndex
CREATE INDEX "ledger_transaction_request_id_idx" ON "ledger_transaction"("request_id");

-- CreateIndex
CREATE INDEX "ledger_entry_account_id_occurred_at_idx" ON "ledger_entry"("account_id", "occurred_at");

-- CreateIndex
CREATE INDEX "ledger_entry_transaction_id_idx" ON "ledger_entry"("transaction_id");

-- CreateIndex
CREATE UNIQUE INDEX "credit_code_code_hash_key" ON "credit_code"("code_hash");

-- CreateIndex
CREATE INDEX "credit_code_org_id_created_at_idx" ON "credit_code"("org_id", "created_at");

-- CreateIndex
CREATE INDEX "quota_lease_expires_at_idx" ON "quota_lease"("expires_at");

-- AddForeignKey
ALTER TABLE "rate_limit" ADD CONSTRAINT "rate_limit_org_id_fkey" FOREIGN KEY ("org_id") REFERENCES "organization"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "budget" ADD CONSTRAINT "budget_org_id_fkey" FOREIGN KEY ("org_id") REFERENCES "organization"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "budget_alert" ADD CONSTRAINT "budget_alert_org_id_fkey" FOREIGN KEY ("org_id") REFERENCES "organization"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "budget_alert" ADD CONSTRAINT "budget_alert_budget_id_fkey" FOREIGN KEY ("budget_id") REFERENCES "budget"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ledger_account" ADD CONSTRAINT "ledger_account_org_id_fkey" FOREIGN KEY ("org_id") REFERENCES "organization"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ledger_transaction" ADD CONSTRAINT "ledger_transaction_org_id_fkey" FOREIGN KEY ("org_id") REFERENCES "organization"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ledger_entry" ADD CONSTRAINT "ledger_entry_transaction_id_fkey" FOREIGN KEY ("transaction_id") REFERENCES "ledger_transaction"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ledger_entry" ADD CONSTRAINT "ledger_entry_account_id_fkey" FOREIGN KEY ("account_id") REFERENCES "ledger_account"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "credit_code" ADD CONSTRAINT "credit_code_org_id_fkey" FOREIGN KEY ("org_id") REFERENCES "organization"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- The ledger is append-only: the database refuses to change or remove a posted transaction or entry.
CREATE FUNCTION "ledger_append_only"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '% is append-only', TG_TABLE_NAME;
END;
$$;

CREATE TRIGGER "ledger_transaction_no_update_or_delete" BEFORE UPDATE OR DELETE ON "ledger_transaction"
FOR EACH ROW EXECUTE FUNCTION "ledger_append_only"();

CREATE TRIGGER "ledger_entry_no_update_or_delete" BEFORE UPDATE OR DELETE ON "ledger_entry"
FOR EACH ROW EXECUTE FUNCTION "ledger_append_only"();

-- Every transaction balances: checked at commit (deferred), once all of its entries are in.
CREATE FUNCTION "ledger_transaction_balances"() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  total NUMERIC;
BEGIN
  SELECT COALESCE(SUM("amount_micros"), 0) INTO total FROM "ledger_entry" WHERE "transaction_id" = NEW."transaction_id";
  IF total <> 0 THEN
    RAISE EXCEPTION 'ledger transaction % does not balance (entries sum to %)', NEW."transaction_id", total;
  END IF;
  RETURN NULL;
END;
$$;

CREATE CONSTRAINT TRIGGER "ledger_entry_balanced" AFTER INSERT ON "ledger_entry"
DEFERRABLE INITIALLY DEFERRED
FOR EACH ROW EXECUTE FUNCTION "ledger_transaction_balances"();
