-- AlterTable
ALTER TABLE "deployments" ADD COLUMN     "migration_files" JSONB;

-- CreateTable
CREATE TABLE "app_migrations" (
    "project_id" UUID NOT NULL,
    "environment" "Environment" NOT NULL,
    "name" TEXT NOT NULL,
    "applied_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "deployment_id" UUID,

    CONSTRAINT "app_migrations_pkey" PRIMARY KEY ("project_id","environment","name")
);

-- AddForeignKey
ALTER TABLE "app_migrations" ADD CONSTRAINT "app_migrations_project_id_fkey" FOREIGN KEY ("project_id") REFERENCES "projects"("id") ON DELETE CASCADE ON UPDATE CASCADE;
