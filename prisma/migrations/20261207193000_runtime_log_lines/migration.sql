-- CreateTable
CREATE TABLE "runtime_log_lines" (
    "id" BIGSERIAL NOT NULL,
    "deployment_id" UUID NOT NULL,
    "node" TEXT NOT NULL,
    "slot" INTEGER NOT NULL,
    "stream" "LogStream" NOT NULL,
    "text" TEXT NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "runtime_log_lines_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "runtime_log_lines_deployment_id_id_idx" ON "runtime_log_lines"("deployment_id", "id");

-- AddForeignKey
ALTER TABLE "runtime_log_lines" ADD CONSTRAINT "runtime_log_lines_deployment_id_fkey" FOREIGN KEY ("deployment_id") REFERENCES "deployments"("id") ON DELETE CASCADE ON UPDATE CASCADE;
