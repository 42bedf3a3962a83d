-- Tenancy and access (issue 7): projects and environments under teams, keys in one project
-- environment, users with roles, API tokens with a role and scope (replacing admin tokens),
-- and the append-only audit trail. Existing keys move into their team's `default` project's
-- `production` environment; existing admin tokens become organization-wide OWNER tokens, so
-- nothing that works today stops working.

-- AlterEnum
ALTER TYPE "api_key_status" ADD VALUE 'DISABLED' BEFORE 'REVOKED';

-- CreateEnum
CREATE TYPE "role" AS ENUM ('OWNER', 'ADMIN', 'ANALYST', 'VIEWER');

-- CreateEnum
CREATE TYPE "audit_actor_type" AS ENUM ('USER', 'TOKEN', 'SYSTEM');

-- CreateTable
CREATE TABLE "project" (
    "id" UUID NOT NULL,
    "org_id" UUID NOT NULL,
    "team_id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "project_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "environment" (
    "id" UUID NOT NULL,
    "org_id" UUID NOT NULL,
    "project_id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "environment_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "app_user" (
    "id" UUID NOT NULL,
    "org_id" UUID NOT NULL,
    "email" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "password_hash" TEXT,
    "disabled_at" TIMESTAMPTZ(3),
    "failed_sign_ins" INTEGER NOT NULL DEFAULT 0,
    "locked_until" TIMESTAMPTZ(3),
    "last_sign_in_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "app_user_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "user_session" (
    "id" UUID NOT NULL,
    "user_id" UUID NOT NULL,
    "token_hash" TEXT NOT NULL,
    "csrf_hash" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,
    "last_seen_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "client_address" TEXT NOT NULL DEFAULT '',
    "user_agent" TEXT NOT NULL DEFAULT '',

    CONSTRAINT "user_session_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "setup_link" (
    "id" UUID NOT NULL,
    "user_id" UUID NOT NULL,
    "token_hash" TEXT NOT NULL,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,
    "used_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "setup_link_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "role_grant" (
    "id" UUID NOT NULL,
    "org_id" UUID NOT NULL,
    "user_id" UUID NOT NULL,
    "role" "role" NOT NULL,
    "team_id" UUID,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "role_grant_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "api_token" (
    "id" UUID NOT NULL,
    "org_id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "hash" TEXT NOT NULL,
    "prefix" TEXT NOT NULL DEFAULT '',
    "role" "role" NOT NULL DEFAULT 'OWNER',
    "team_id" UUID,
    "expires_at" TIMESTAMPTZ(3),
    "revoked_at" TIMESTAMPTZ(3),
    "created_by_user_id" UUID,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "last_used_at" TIMESTAMPTZ(3),

    CONSTRAINT "api_token_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "audit_entry" (
    "id" BIGSERIAL NOT NULL,
    "org_id" UUID NOT NULL,
    "at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "actor_type" "audit_actor_type" NOT NULL,
    "actor_id" TEXT NOT NULL,
    "actor_label" TEXT NOT NULL,
    "action" TEXT NOT NULL,
    "object_type" TEXT NOT NULL,
    "object_id" TEXT NOT NULL,
    "before" JSONB,
    "after" JSONB,
    "request_id" TEXT NOT NULL,
    "client_address" TEXT NOT NULL,

    CONSTRAINT "audit_entry_pkey" PRIMARY KEY ("id")
);

-- Admin tokens become organization-wide OWNER API tokens, same id and hash: they keep working.
INSERT INTO "api_token" ("id", "org_id", "name", "hash", "prefix", "role", "created_at", "last_used_at")
SELECT "id", "org_id", "name", "hash", 'relay-admin-', 'OWNER', "created_at", "last_used_at" FROM "admin_token";

-- DropTable
DROP TABLE "admin_token";

-- Every existing team gets a `default` project with the three standard environments.
INSERT INTO "project" ("id", "org_id", "team_id", "name", "created_at")
SELECT gen_random_uuid(), "org_id", "id", 'default', CURRENT_TIMESTAMP FROM "team";

INSERT INTO "environment" ("id", "org_id", "project_id", "name", "created_at")
SELECT gen_random_uuid(), p."org_id", p."id", e."name", CURRENT_TIMESTAMP
FROM "project" p CROSS JOIN (VALUES ('production'), ('staging'), ('development')) AS e("name");

-- AlterTable: keys gain a project environment (existing keys: their team's default/production),
-- an expiry, an alias allow-list, labels, a creator and rotation state.
ALTER TABLE "api_key" ADD COLUMN "project_id" UUID,
ADD COLUMN "environment_id" UUID,
ADD COLUMN "expires_at" TIMESTAMPTZ(3),
ADD COLUMN "allowed_aliases" TEXT[] DEFAULT ARRAY[]::TEXT[],
ADD COLUMN "labels" JSONB NOT NULL DEFAULT '{}',
ADD COLUMN "created_by_user_id" UUID,
ADD COLUMN "created_by_token_id" UUID,
ADD COLUMN "previous_hash" TEXT,
ADD COLUMN "previous_prefix" TEXT,
ADD COLUMN "previous_hash_expires_at" TIMESTAMPTZ(3),
ADD COLUMN "rotated_at" TIMESTAMPTZ(3),
ADD COLUMN "disabled_at" TIMESTAMPTZ(3);

UPDATE "api_key" k SET "project_id" = p."id", "environment_id" = e."id"
FROM "project" p JOIN "environment" e ON e."project_id" = p."id" AND e."name" = 'production'
WHERE p."team_id" = k."team_id" AND p."name" = 'default';

ALTER TABLE "api_key" ALTER COLUMN "project_id" SET NOT NULL,
ALTER COLUMN "environment_id" SET NOT NULL;

-- AlterTable
ALTER TABLE "provider" ADD COLUMN "enabled_environments" TEXT[] DEFAULT ARRAY[]::TEXT[];

-- AlterTable: a route may serve one environment only ('' = every environment without its own routes).
ALTER TABLE "model_route" ADD COLUMN "environment" TEXT NOT NULL DEFAULT '';

-- DropIndex
DROP INDEX "model_route_alias_id_provider_id_upstream_model_key";

-- CreateIndex
CREATE UNIQUE INDEX "model_route_alias_id_environment_provider_id_upstream_model_key" ON "model_route"("alias_id", "environment", "provider_id", "upstream_model");

-- CreateIndex
CREATE INDEX "project_org_id_idx" ON "project"("org_id");

-- CreateIndex
CREATE UNIQUE INDEX "project_team_id_name_key" ON "project"("team_id", "name");

-- CreateIndex
CREATE INDEX "environment_org_id_idx" ON "environment"("org_id");

-- CreateIndex
CREATE UNIQUE INDEX "environment_project_id_name_key" ON "environment"("project_id", "name");

-- CreateIndex
CREATE UNIQUE INDEX "api_key_previous_hash_key" ON "api_key"("previous_hash");

-- CreateIndex
CREATE INDEX "api_key_environment_id_idx" ON "api_key"("environment_id");

-- CreateIndex
CREATE UNIQUE INDEX "api_token_hash_key" ON "api_token"("hash");

-- CreateIndex
CREATE UNIQUE INDEX "app_user_email_key" ON "app_user"("email");

-- CreateIndex
CREATE INDEX "app_user_org_id_idx" ON "app_user"("org_id");

-- CreateIndex
CREATE UNIQUE INDEX "user_session_token_hash_key" ON "user_session"("token_hash");

-- CreateIndex
CREATE INDEX "user_session_user_id_idx" ON "user_session"("user_id");

-- CreateIndex
CREATE UNIQUE INDEX "setup_link_token_hash_key" ON "setup_link"("token_hash");

-- CreateIndex
CREATE INDEX "setup_link_user_id_idx" ON "setup_link"("user_id");

-- CreateIndex
CREATE INDEX "role_grant_org_id_idx" ON "role_grant"("org_id");

-- CreateIndex
CREATE UNIQUE INDEX "role_grant_user_id_team_id_key" ON "role_grant"("user_id", "team_id");

-- CreateIndex
CREATE INDEX "audit_entry_org_id_id_idx" ON "audit_entry"("org_id", "id");

-- CreateIndex
CREATE INDEX "audit_entry_org_id_object_type_object_id_idx" ON "audit_entry"("org_id", "object_type", "object_id");

-- AddForeignKey
ALTER TABLE "project" ADD CONSTRAINT "project_org_id_fkey" FOREIGN KEY ("org_id") REFERENCES "organization"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "project" ADD CONSTRAINT "project_team_id_fkey" FOREIGN KEY ("team_id") REFERENCES "team"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "environment" ADD CONSTRAINT "environment_org_id_fkey" FOREIGN KEY ("org_id") REFERENCES "organization"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "environment" ADD CONSTRAINT "environment_project_id_fkey" FOREIGN KEY ("project_id") REFERENCES "project"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "api_key" ADD CONSTRAINT "api_key_project_id_fkey" FOREIGN KEY ("project_id") REFERENCES "project"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "api_key" ADD CONSTRAINT "api_key_environment_id_fkey" FOREIGN KEY ("environment_id") REFERENCES "environment"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "api_key" ADD CONSTRAINT "api_key_created_by_user_id_fkey" FOREIGN KEY ("created_by_user_id") REFERENCES "app_user"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "api_key" ADD CONSTRAINT "api_key_created_by_token_id_fkey" FOREIGN KEY ("created_by_token_id") REFERENCES "api_token"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "api_token" ADD CONSTRAINT "api_token_org_id_fkey" FOREIGN KEY ("org_id") REFERENCES "organization"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "api_token" ADD CONSTRAINT "api_token_team_id_fkey" FOREIGN KEY ("team_id") REFERENCES "team"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "api_token" ADD CONSTRAINT "api_token_created_by_user_id_fkey" FOREIGN KEY ("created_by_user_id") REFERENCES "app_user"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "app_user" ADD CONSTRAINT "app_user_org_id_fkey" FOREIGN KEY ("org_id") REFERENCES "organization"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "user_session" ADD CONSTRAINT "user_session_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "app_user"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "setup_link" ADD CONSTRAINT "setup_link_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "app_user"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "role_grant" ADD CONSTRAINT "role_grant_org_id_fkey" FOREIGN KEY ("org_id") REFERENCES "organization"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "role_grant" ADD CONSTRAINT "role_grant_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "app_user"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "role_grant" ADD CONSTRAINT "role_grant_team_id_fkey" FOREIGN KEY ("team_id") REFERENCES "team"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "audit_entry" ADD CONSTRAINT "audit_entry_org_id_fkey" FOREIGN KEY ("org_id") REFERENCES "organization"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- The audit trail is append-only: the database itself refuses to change or remove an entry.
CREATE FUNCTION "audit_entry_append_only"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_entry is append-only';
END;
$$;

CREATE TRIGGER "audit_entry_no_update_or_delete" BEFORE UPDATE OR DELETE ON "audit_entry"
FOR EACH ROW EXECUTE FUNCTION "audit_entry_append_only"();
