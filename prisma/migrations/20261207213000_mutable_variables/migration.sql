-- AlterTable
ALTER TABLE "env_vars" ADD COLUMN "mutable" BOOLEAN NOT NULL DEFAULT false;

-- AlterTable
ALTER TABLE "deployments" ADD COLUMN "mutable_keys" TEXT[] DEFAULT ARRAY[]::TEXT[],
ADD COLUMN "env_revision" INTEGER NOT NULL DEFAULT 0;

-- AlterTable
ALTER TABLE "runtime_instances" ADD COLUMN "env_revision" INTEGER NOT NULL DEFAULT 0;
