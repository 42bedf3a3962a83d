-- Issue 9: Azure OpenAI providers and per-provider extra headers (OpenAI-compatible presets).
-- Adding an enum value inside the migration's transaction is allowed (Postgres 12+); nothing
-- here uses the new value before the transaction commits.
ALTER TYPE "provider_type" ADD VALUE 'AZURE_OPENAI' BEFORE 'MOCK';

ALTER TABLE "provider"
    ADD COLUMN "api_version" TEXT,
    ADD COLUMN "extra_headers" JSONB NOT NULL DEFAULT '{}';
