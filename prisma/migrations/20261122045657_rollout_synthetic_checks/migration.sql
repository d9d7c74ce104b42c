-- AlterTable
ALTER TABLE "rollouts" ADD COLUMN     "synthetic_second" BIGINT;

