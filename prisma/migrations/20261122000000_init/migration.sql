-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "public";

-- CreateEnum
CREATE TYPE "Role" AS ENUM ('owner', 'admin', 'developer', 'viewer');

-- CreateEnum
CREATE TYPE "Environment" AS ENUM ('production', 'preview', 'development');

-- CreateEnum
CREATE TYPE "SourceKind" AS ENUM ('git', 'archive', 'directory');

-- CreateEnum
CREATE TYPE "DeploymentStatus" AS ENUM ('queued', 'building', 'built', 'uploading', 'canary', 'live', 'superseded', 'failed', 'canceled');

-- CreateEnum
CREATE TYPE "ActorKind" AS ENUM ('user', 'token', 'system');

-- CreateEnum
CREATE TYPE "LogStream" AS ENUM ('stdout', 'stderr', 'system');

-- CreateEnum
CREATE TYPE "RouteKind" AS ENUM ('production', 'branch', 'domain');

-- CreateEnum
CREATE TYPE "RolloutStatus" AS ENUM ('running', 'paused', 'succeeded', 'rolled_back', 'aborted');

-- CreateEnum
CREATE TYPE "Verdict" AS ENUM ('pass', 'fail', 'inconclusive');

-- CreateEnum
CREATE TYPE "DomainStatus" AS ENUM ('pending', 'verified', 'failed');

-- CreateTable
CREATE TABLE "teams" (
    "id" UUID NOT NULL,
    "slug" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "teams_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "users" (
    "id" UUID NOT NULL,
    "email" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "password_hash" TEXT NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "users_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "memberships" (
    "id" UUID NOT NULL,
    "team_id" UUID NOT NULL,
    "user_id" UUID NOT NULL,
    "role" "Role" NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "memberships_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "invitations" (
    "id" UUID NOT NULL,
    "team_id" UUID NOT NULL,
    "email" TEXT NOT NULL,
    "role" "Role" NOT NULL,
    "token_hash" TEXT NOT NULL,
    "invited_by_id" UUID,
    "expires_at" TIMESTAMP(3) NOT NULL,
    "accepted_at" TIMESTAMP(3),
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "invitations_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "api_tokens" (
    "id" UUID NOT NULL,
    "team_id" UUID NOT NULL,
    "user_id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "prefix" TEXT NOT NULL,
    "token_hash" TEXT NOT NULL,
    "role" "Role" NOT NULL,
    "expires_at" TIMESTAMP(3),
    "last_used_at" TIMESTAMP(3),
    "revoked_at" TIMESTAMP(3),
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "api_tokens_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "projects" (
    "id" UUID NOT NULL,
    "team_id" UUID NOT NULL,
    "slug" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "source_kind" "SourceKind" NOT NULL,
    "git_url" TEXT,
    "source_path" TEXT,
    "production_branch" TEXT NOT NULL DEFAULT 'main',
    "install_command" TEXT,
    "build_command" TEXT,
    "output_directory" TEXT NOT NULL DEFAULT 'dist',
    "functions_directory" TEXT NOT NULL DEFAULT 'api',
    "rollout_settings" JSONB,
    "webhook_secret_enc" TEXT,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "projects_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "env_vars" (
    "id" UUID NOT NULL,
    "project_id" UUID NOT NULL,
    "key" TEXT NOT NULL,
    "value_enc" TEXT NOT NULL,
    "key_id" TEXT NOT NULL,
    "targets" "Environment"[],
    "branch" TEXT,
    "sensitive" BOOLEAN NOT NULL DEFAULT false,
    "updated_by_id" UUID,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "env_vars_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "deployments" (
    "id" UUID NOT NULL,
    "project_id" UUID NOT NULL,
    "environment" "Environment" NOT NULL,
    "branch" TEXT NOT NULL,
    "commit_sha" TEXT NOT NULL,
    "commit_message" TEXT,
    "source_kind" "SourceKind" NOT NULL,
    "source_ref" TEXT,
    "status" "DeploymentStatus" NOT NULL DEFAULT 'queued',
    "bundle_digest" TEXT,
    "created_by_kind" "ActorKind" NOT NULL,
    "created_by_id" UUID,
    "failure_stage" TEXT,
    "failure_reason" TEXT,
    "debug" BOOLEAN NOT NULL DEFAULT false,
    "runtime_env_enc" TEXT,
    "expires_at" TIMESTAMP(3),
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "started_at" TIMESTAMP(3),
    "ready_at" TIMESTAMP(3),
    "finished_at" TIMESTAMP(3),

    CONSTRAINT "deployments_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "deployment_events" (
    "id" BIGSERIAL NOT NULL,
    "deployment_id" UUID NOT NULL,
    "from_status" "DeploymentStatus",
    "to_status" "DeploymentStatus" NOT NULL,
    "actor_kind" "ActorKind" NOT NULL,
    "actor_id" UUID,
    "reason" TEXT,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "deployment_events_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "build_log_lines" (
    "deployment_id" UUID NOT NULL,
    "seq" INTEGER NOT NULL,
    "stream" "LogStream" NOT NULL,
    "text" TEXT NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "build_log_lines_pkey" PRIMARY KEY ("deployment_id","seq")
);

-- CreateTable
CREATE TABLE "bundles" (
    "digest" TEXT NOT NULL,
    "file_count" INTEGER NOT NULL,
    "total_bytes" BIGINT NOT NULL,
    "verified_at" TIMESTAMP(3),
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "bundles_pkey" PRIMARY KEY ("digest")
);

-- CreateTable
CREATE TABLE "manifest_entries" (
    "bundle_digest" TEXT NOT NULL,
    "path" TEXT NOT NULL,
    "size" BIGINT NOT NULL,
    "sha256" TEXT NOT NULL,
    "content_type" TEXT NOT NULL,

    CONSTRAINT "manifest_entries_pkey" PRIMARY KEY ("bundle_digest","path")
);

-- CreateTable
CREATE TABLE "routes" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "kind" "RouteKind" NOT NULL,
    "project_id" UUID NOT NULL,
    "branch" TEXT,
    "live_deployment_id" UUID,
    "canary_deployment_id" UUID,
    "canary_weight" INTEGER NOT NULL DEFAULT 0,
    "version" INTEGER NOT NULL DEFAULT 0,
    "updated_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "routes_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "rollouts" (
    "id" UUID NOT NULL,
    "project_id" UUID NOT NULL,
    "route_id" UUID NOT NULL,
    "canary_deployment_id" UUID NOT NULL,
    "baseline_deployment_id" UUID,
    "status" "RolloutStatus" NOT NULL DEFAULT 'running',
    "stages" INTEGER[],
    "stage_index" INTEGER NOT NULL DEFAULT 0,
    "settings" JSONB NOT NULL,
    "reason" TEXT,
    "stage_started_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "started_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finished_at" TIMESTAMP(3),

    CONSTRAINT "rollouts_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "rollout_analyses" (
    "id" BIGSERIAL NOT NULL,
    "rollout_id" UUID NOT NULL,
    "stage_index" INTEGER NOT NULL,
    "weight" INTEGER NOT NULL,
    "window_start" TIMESTAMP(3) NOT NULL,
    "window_end" TIMESTAMP(3) NOT NULL,
    "canary_requests" INTEGER NOT NULL,
    "canary_errors" INTEGER NOT NULL,
    "canary_p95_ms" DOUBLE PRECISION,
    "baseline_requests" INTEGER NOT NULL,
    "baseline_errors" INTEGER NOT NULL,
    "baseline_p95_ms" DOUBLE PRECISION,
    "verdict" "Verdict" NOT NULL,
    "reason" TEXT NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "rollout_analyses_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "metric_buckets" (
    "deployment_id" UUID NOT NULL,
    "bucket_start" TIMESTAMP(3) NOT NULL,
    "router_id" TEXT NOT NULL,
    "requests" INTEGER NOT NULL,
    "errors" INTEGER NOT NULL,
    "histogram" BYTEA NOT NULL,

    CONSTRAINT "metric_buckets_pkey" PRIMARY KEY ("deployment_id","bucket_start","router_id")
);

-- CreateTable
CREATE TABLE "domains" (
    "id" UUID NOT NULL,
    "project_id" UUID NOT NULL,
    "hostname" TEXT NOT NULL,
    "branch" TEXT,
    "verification_token" TEXT NOT NULL,
    "status" "DomainStatus" NOT NULL DEFAULT 'pending',
    "verified_at" TIMESTAMP(3),
    "last_checked_at" TIMESTAMP(3),
    "last_error" TEXT,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "domains_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "audit_events" (
    "id" BIGSERIAL NOT NULL,
    "team_id" UUID,
    "actor_kind" "ActorKind" NOT NULL,
    "actor_id" UUID,
    "action" TEXT NOT NULL,
    "target_type" TEXT NOT NULL,
    "target_id" TEXT NOT NULL,
    "data" JSONB,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "audit_events_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "teams_slug_key" ON "teams"("slug");

-- CreateIndex
CREATE UNIQUE INDEX "users_email_key" ON "users"("email");

-- CreateIndex
CREATE INDEX "memberships_user_id_idx" ON "memberships"("user_id");

-- CreateIndex
CREATE UNIQUE INDEX "memberships_team_id_user_id_key" ON "memberships"("team_id", "user_id");

-- CreateIndex
CREATE UNIQUE INDEX "invitations_token_hash_key" ON "invitations"("token_hash");

-- CreateIndex
CREATE INDEX "invitations_team_id_created_at_idx" ON "invitations"("team_id", "created_at");

-- CreateIndex
CREATE UNIQUE INDEX "api_tokens_token_hash_key" ON "api_tokens"("token_hash");

-- CreateIndex
CREATE INDEX "api_tokens_team_id_created_at_idx" ON "api_tokens"("team_id", "created_at");

-- CreateIndex
CREATE UNIQUE INDEX "projects_slug_key" ON "projects"("slug");

-- CreateIndex
CREATE INDEX "projects_team_id_created_at_idx" ON "projects"("team_id", "created_at");

-- CreateIndex
CREATE INDEX "env_vars_project_id_key_idx" ON "env_vars"("project_id", "key");

-- CreateIndex
CREATE INDEX "env_vars_key_id_idx" ON "env_vars"("key_id");

-- CreateIndex
CREATE INDEX "deployments_project_id_created_at_id_idx" ON "deployments"("project_id", "created_at" DESC, "id" DESC);

-- CreateIndex
CREATE INDEX "deployments_project_id_environment_created_at_idx" ON "deployments"("project_id", "environment", "created_at" DESC);

-- CreateIndex
CREATE INDEX "deployments_project_id_branch_created_at_idx" ON "deployments"("project_id", "branch", "created_at" DESC);

-- CreateIndex
CREATE INDEX "deployments_project_id_status_created_at_idx" ON "deployments"("project_id", "status", "created_at" DESC);

-- CreateIndex
CREATE INDEX "deployments_project_id_created_by_id_created_at_idx" ON "deployments"("project_id", "created_by_id", "created_at" DESC);

-- CreateIndex
CREATE INDEX "deployments_commit_sha_idx" ON "deployments"("commit_sha");

-- CreateIndex
CREATE INDEX "deployments_status_idx" ON "deployments"("status");

-- CreateIndex
CREATE INDEX "deployment_events_deployment_id_id_idx" ON "deployment_events"("deployment_id", "id");

-- CreateIndex
CREATE INDEX "manifest_entries_sha256_idx" ON "manifest_entries"("sha256");

-- CreateIndex
CREATE UNIQUE INDEX "routes_name_key" ON "routes"("name");

-- CreateIndex
CREATE INDEX "routes_project_id_idx" ON "routes"("project_id");

-- CreateIndex
CREATE INDEX "rollouts_status_idx" ON "rollouts"("status");

-- CreateIndex
CREATE INDEX "rollouts_canary_deployment_id_idx" ON "rollouts"("canary_deployment_id");

-- CreateIndex
CREATE INDEX "rollouts_project_id_started_at_idx" ON "rollouts"("project_id", "started_at" DESC);

-- CreateIndex
CREATE INDEX "rollout_analyses_rollout_id_id_idx" ON "rollout_analyses"("rollout_id", "id");

-- CreateIndex
CREATE UNIQUE INDEX "domains_hostname_key" ON "domains"("hostname");

-- CreateIndex
CREATE INDEX "domains_project_id_idx" ON "domains"("project_id");

-- CreateIndex
CREATE INDEX "domains_status_last_checked_at_idx" ON "domains"("status", "last_checked_at");

-- CreateIndex
CREATE INDEX "audit_events_team_id_created_at_idx" ON "audit_events"("team_id", "created_at" DESC);

-- CreateIndex
CREATE INDEX "audit_events_actor_id_created_at_idx" ON "audit_events"("actor_id", "created_at" DESC);

-- CreateIndex
CREATE INDEX "audit_events_target_type_target_id_idx" ON "audit_events"("target_type", "target_id");

-- AddForeignKey
ALTER TABLE "memberships" ADD CONSTRAINT "memberships_team_id_fkey" FOREIGN KEY ("team_id") REFERENCES "teams"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "memberships" ADD CONSTRAINT "memberships_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "invitations" ADD CONSTRAINT "invitations_team_id_fkey" FOREIGN KEY ("team_id") REFERENCES "teams"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "api_tokens" ADD CONSTRAINT "api_tokens_team_id_fkey" FOREIGN KEY ("team_id") REFERENCES "teams"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "api_tokens" ADD CONSTRAINT "api_tokens_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "projects" ADD CONSTRAINT "projects_team_id_fkey" FOREIGN KEY ("team_id") REFERENCES "teams"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "env_vars" ADD CONSTRAINT "env_vars_project_id_fkey" FOREIGN KEY ("project_id") REFERENCES "projects"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "deployments" ADD CONSTRAINT "deployments_project_id_fkey" FOREIGN KEY ("project_id") REFERENCES "projects"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "deployments" ADD CONSTRAINT "deployments_bundle_digest_fkey" FOREIGN KEY ("bundle_digest") REFERENCES "bundles"("digest") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "deployment_events" ADD CONSTRAINT "deployment_events_deployment_id_fkey" FOREIGN KEY ("deployment_id") REFERENCES "deployments"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "build_log_lines" ADD CONSTRAINT "build_log_lines_deployment_id_fkey" FOREIGN KEY ("deployment_id") REFERENCES "deployments"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "manifest_entries" ADD CONSTRAINT "manifest_entries_bundle_digest_fkey" FOREIGN KEY ("bundle_digest") REFERENCES "bundles"("digest") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "routes" ADD CONSTRAINT "routes_project_id_fkey" FOREIGN KEY ("project_id") REFERENCES "projects"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "rollouts" ADD CONSTRAINT "rollouts_project_id_fkey" FOREIGN KEY ("project_id") REFERENCES "projects"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "rollouts" ADD CONSTRAINT "rollouts_route_id_fkey" FOREIGN KEY ("route_id") REFERENCES "routes"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "rollouts" ADD CONSTRAINT "rollouts_canary_deployment_id_fkey" FOREIGN KEY ("canary_deployment_id") REFERENCES "deployments"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "rollout_analyses" ADD CONSTRAINT "rollout_analyses_rollout_id_fkey" FOREIGN KEY ("rollout_id") REFERENCES "rollouts"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "metric_buckets" ADD CONSTRAINT "metric_buckets_deployment_id_fkey" FOREIGN KEY ("deployment_id") REFERENCES "deployments"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "domains" ADD CONSTRAINT "domains_project_id_fkey" FOREIGN KEY ("project_id") REFERENCES "projects"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "audit_events" ADD CONSTRAINT "audit_events_team_id_fkey" FOREIGN KEY ("team_id") REFERENCES "teams"("id") ON DELETE CASCADE ON UPDATE CASCADE;

