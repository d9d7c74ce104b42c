-- Runtime logs of every deployment (issue 20) replace the debug-only runtime_log_lines.
DROP TABLE "runtime_log_lines";

-- CreateEnum
CREATE TYPE "LogSource" AS ENUM ('request', 'stdout', 'stderr');

-- CreateTable
CREATE TABLE "log_lines" (
    "id" BIGSERIAL NOT NULL,
    "project_id" UUID NOT NULL,
    "deployment_id" UUID NOT NULL,
    "sha" TEXT NOT NULL,
    "at" TIMESTAMP(3) NOT NULL,
    "source" "LogSource" NOT NULL,
    "method" TEXT,
    "path" TEXT,
    "status" INTEGER,
    "status_class" SMALLINT,
    "duration_ms" REAL,
    "bytes" INTEGER,
    "arm" TEXT,
    "instance" TEXT,
    "text" TEXT NOT NULL,
    "trace_id" TEXT,

    CONSTRAINT "log_lines_pkey" PRIMARY KEY ("project_id", "id")
);

-- CreateIndex
-- Every row is an insert on each index, at up to a row per request: only what the Logs view's pages need.
-- Pages of a project (the primary key) or a deployment, newest first; no index on id alone, so that the
-- planner never reads the whole table's newest rows (maybe all another project's) to find a project's.
CREATE INDEX "log_lines_deployment_id_id_idx" ON "log_lines"("deployment_id", "id");
-- The 4xx and 5xx filters: errors are few, so these partial indexes cost little to keep (2xx and 3xx pages read the ones above).
CREATE INDEX "log_lines_project_errors_idx" ON "log_lines"("project_id", "status_class", "id") WHERE "status_class" >= 4;
CREATE INDEX "log_lines_deployment_errors_idx" ON "log_lines"("deployment_id", "status_class", "id") WHERE "status_class" >= 4;
-- The text filter ("contains", any case) over the code's output: a trigram index of the lines that have text (requests have none).
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX "log_lines_output_text_idx" ON "log_lines" USING GIN ("text" gin_trgm_ops) WHERE "text" <> '';
-- Retention deletes by time; rows arrive in time order, so a BRIN index (a few pages) finds old ones.
CREATE INDEX "log_lines_at_idx" ON "log_lines" USING BRIN ("at");
