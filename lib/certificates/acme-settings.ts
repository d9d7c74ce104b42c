import { readFileSync } from "node:fs";
import type { Config } from "@/lib/config/env";

// The ACME CA Slipway asks for certificates (configuration; Let's Encrypt in
// production, its staging, a private CA, Pebble in tests). null: none is
// configured, so no certificate is requested.
export type AcmeSettings = {
  directoryUrl: string;
  email: string | null;
  eab: { kid: string; hmacKey: string } | null;
  /** PEM of the CAs to trust for the ACME server's own HTTPS, when it is not publicly trusted. */
  ca: string | null;
};

export function acmeSettings(config: Config): AcmeSettings | null {
  if (!config.ACME_DIRECTORY_URL) return null;
  if (Boolean(config.ACME_EAB_KID) !== Boolean(config.ACME_EAB_HMAC_KEY)) {
    throw new Error("ACME_EAB_KID and ACME_EAB_HMAC_KEY go together: set both for External Account Binding, or neither.");
  }
  let ca: string | null = null;
  if (config.ACME_CA_FILE) {
    try {
      ca = readFileSync(config.ACME_CA_FILE, "utf8");
    } catch (e) {
      throw new Error(`ACME_CA_FILE cannot be read: ${(e as Error).message}`);
    }
  }
  return {
    directoryUrl: config.ACME_DIRECTORY_URL,
    email: config.ACME_EMAIL ?? null,
    eab: config.ACME_EAB_KID && config.ACME_EAB_HMAC_KEY ? { kid: config.ACME_EAB_KID, hmacKey: config.ACME_EAB_HMAC_KEY } : null,
    ca,
  };
}
