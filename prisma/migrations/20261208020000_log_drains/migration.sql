-- CreateTable
CREATE TABLE "log_drains" (
    "id" UUID NOT NULL,
    "project_id" UUID NOT NULL,
    "url" TEXT NOT NULL,
    "secret_enc" TEXT NOT NULL,
    "cursor" BIGINT NOT NULL,
    "failures" INTEGER NOT NULL DEFAULT 0,
    "last_error" TEXT,
    "last_delivered_at" TIMESTAMP(3),
    "delivered" BIGINT NOT NULL DEFAULT 0,
    "next_attempt_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "leased_until" TIMESTAMP(3),
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "log_drains_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "log_drains_project_id_idx" ON "log_drains"("project_id");

-- CreateIndex
CREATE INDEX "log_drains_next_attempt_at_idx" ON "log_drains"("next_attempt_at");

-- AddForeignKey
ALTER TABLE "log_drains" ADD CONSTRAINT "log_drains_project_id_fkey" FOREIGN KEY ("project_id") REFERENCES "projects"("id") ON DELETE CASCADE ON UPDATE CASCADE;
