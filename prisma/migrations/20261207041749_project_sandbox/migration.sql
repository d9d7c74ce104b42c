-- AlterTable
ALTER TABLE "projects" ADD COLUMN     "egress_allow" TEXT[] DEFAULT ARRAY[]::TEXT[],
ADD COLUMN     "sandbox_id" SERIAL NOT NULL;

-- CreateIndex
CREATE UNIQUE INDEX "projects_sandbox_id_key" ON "projects"("sandbox_id");

