-- AlterTable
ALTER TABLE "rollout_analyses" ADD COLUMN     "notes" TEXT[] DEFAULT ARRAY[]::TEXT[];

-- AlterTable
ALTER TABLE "metric_buckets" ADD COLUMN     "warmup_requests" INTEGER NOT NULL DEFAULT 0;

