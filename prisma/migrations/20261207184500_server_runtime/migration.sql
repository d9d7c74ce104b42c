-- CreateEnum
CREATE TYPE "RuntimeState" AS ENUM ('deploying', 'running', 'tearing_down', 'stopped', 'failed');

-- CreateEnum
CREATE TYPE "InstanceState" AS ENUM ('starting', 'ready', 'draining', 'crashed');

-- CreateTable
CREATE TABLE "deployment_runtimes" (
    "deployment_id" UUID NOT NULL,
    "state" "RuntimeState" NOT NULL DEFAULT 'deploying',
    "reason" TEXT,
    "wanted_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "deployment_runtimes_pkey" PRIMARY KEY ("deployment_id")
);

-- CreateTable
CREATE TABLE "runtime_instances" (
    "id" UUID NOT NULL,
    "deployment_id" UUID NOT NULL,
    "node" TEXT NOT NULL,
    "slot" INTEGER NOT NULL,
    "state" "InstanceState" NOT NULL DEFAULT 'starting',
    "socket_path" TEXT,
    "restarts" INTEGER NOT NULL DEFAULT 0,
    "memory_kb" INTEGER,
    "last_error" TEXT,
    "started_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "ready_at" TIMESTAMP(3),
    "updated_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "runtime_instances_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "deployment_runtimes_state_idx" ON "deployment_runtimes"("state");

-- CreateIndex
CREATE INDEX "runtime_instances_node_state_idx" ON "runtime_instances"("node", "state");

-- CreateIndex
CREATE UNIQUE INDEX "runtime_instances_deployment_id_node_slot_key" ON "runtime_instances"("deployment_id", "node", "slot");

-- AddForeignKey
ALTER TABLE "deployment_runtimes" ADD CONSTRAINT "deployment_runtimes_deployment_id_fkey" FOREIGN KEY ("deployment_id") REFERENCES "deployments"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "runtime_instances" ADD CONSTRAINT "runtime_instances_deployment_id_fkey" FOREIGN KEY ("deployment_id") REFERENCES "deployments"("id") ON DELETE CASCADE ON UPDATE CASCADE;
