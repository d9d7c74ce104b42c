-- CreateEnum
CREATE TYPE "CertificateState" AS ENUM ('pending', 'issued', 'renewing', 'failed');

-- CreateEnum
CREATE TYPE "CertificateSource" AS ENUM ('acme', 'uploaded');

-- CreateTable
CREATE TABLE "certificates" (
    "id" UUID NOT NULL,
    "hostname" TEXT NOT NULL,
    "source" "CertificateSource" NOT NULL DEFAULT 'acme',
    "state" "CertificateState" NOT NULL DEFAULT 'pending',
    "cert_pem" TEXT,
    "key_enc" TEXT,
    "key_id" TEXT,
    "issuer" TEXT,
    "names" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "not_before" TIMESTAMP(3),
    "not_after" TIMESTAMP(3),
    "last_error" TEXT,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "next_attempt_at" TIMESTAMP(3),
    "issued_at" TIMESTAMP(3),
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "certificates_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "acme_challenges" (
    "token" TEXT NOT NULL,
    "key_authorization" TEXT NOT NULL,
    "hostname" TEXT NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "acme_challenges_pkey" PRIMARY KEY ("token")
);

-- CreateTable
CREATE TABLE "acme_accounts" (
    "id" UUID NOT NULL,
    "directory_url" TEXT NOT NULL,
    "key_enc" TEXT NOT NULL,
    "key_id" TEXT NOT NULL,
    "account_url" TEXT,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "acme_accounts_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "certificates_hostname_key" ON "certificates"("hostname");

-- CreateIndex
CREATE INDEX "certificates_state_next_attempt_at_idx" ON "certificates"("state", "next_attempt_at");

-- CreateIndex
CREATE INDEX "certificates_key_id_idx" ON "certificates"("key_id");

-- CreateIndex
CREATE UNIQUE INDEX "acme_accounts_directory_url_key" ON "acme_accounts"("directory_url");

-- CreateIndex
CREATE INDEX "acme_accounts_key_id_idx" ON "acme_accounts"("key_id");
