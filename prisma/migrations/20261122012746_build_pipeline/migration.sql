-- CreateEnum
CREATE TYPE "StageStatus" AS ENUM ('running', 'succeeded', 'failed', 'skipped', 'canceled');

-- AlterTable
ALTER TABLE "deployments" ADD COLUMN     "build_settings" JSONB,
ADD COLUMN     "heartbeat_at" TIMESTAMP(3),
ADD COLUMN     "worker_id" TEXT;

-- CreateTable
CREATE TABLE "deployment_stages" (
    "deployment_id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "position" INTEGER NOT NULL,
    "status" "StageStatus" NOT NULL,
    "detail" TEXT,
    "started_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finished_at" TIMESTAMP(3),

    CONSTRAINT "deployment_stages_pkey" PRIMARY KEY ("deployment_id","name")
);

-- CreateIndex
CREATE INDEX "deployments_project_id_environment_status_idx" ON "deployments"("project_id", "environment", "status");

-- AddForeignKey
ALTER TABLE "deployment_stages" ADD CONSTRAINT "deployment_stages_deployment_id_fkey" FOREIGN KEY ("deployment_id") REFERENCES "deployments"("id") ON DELETE CASCADE ON UPDATE CASCADE;

