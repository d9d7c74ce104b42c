-- CreateTable
CREATE TABLE "error_groups" (
    "id" UUID NOT NULL,
    "project_id" UUID NOT NULL,
    "deployment_id" UUID NOT NULL,
    "sha" TEXT NOT NULL,
    "fingerprint" TEXT NOT NULL,
    "message" TEXT NOT NULL,
    "stack" TEXT NOT NULL,
    "count" INTEGER NOT NULL,
    "first_seen" TIMESTAMP(3) NOT NULL,
    "last_seen" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "error_groups_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "error_groups_project_id_last_seen_idx" ON "error_groups"("project_id", "last_seen");

-- CreateIndex
CREATE UNIQUE INDEX "error_groups_deployment_id_fingerprint_key" ON "error_groups"("deployment_id", "fingerprint");
