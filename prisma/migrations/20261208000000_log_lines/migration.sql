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

    CONSTRAINT "log_lines_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "log_lines_project_id_id_idx" ON "log_lines"("project_id", "id");
CREATE INDEX "log_lines_deployment_id_id_idx" ON "log_lines"("deployment_id", "id");
CREATE INDEX "log_lines_project_id_status_class_id_idx" ON "log_lines"("project_id", "status_class", "id");
CREATE INDEX "log_lines_deployment_id_status_class_id_idx" ON "log_lines"("deployment_id", "status_class", "id");
CREATE INDEX "log_lines_at_idx" ON "log_lines"("at");
