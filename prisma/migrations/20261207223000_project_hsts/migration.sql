-- AlterTable
ALTER TABLE "projects" ADD COLUMN "hsts" BOOLEAN NOT NULL DEFAULT false;
