import { readFileSync } from "node:fs";
import type { Config } from "@/lib/config/env";
import { parseHostPort } from "@/lib/sandbox/egress-rules";

// The ACME CA Slipway asks for certificates (configuration; Let's Encrypt in
// production, its staging, a private CA, Pebble in tests). null: none is
// configured, so no certificate is requested.
export type AcmeSettings = {
  directoryUrl: string;
  email: string | null;
  eab: { kid: string; hmacKey: string } | null;
  /** PEM of the CAs to trust for the ACME server's own HTTPS, when it is not publicly trusted. */
  ca: string | null;
  /** DNS-01 through RFC 2136 updates, for the wildcard of the apps' domain; null: no wildcard certificate. */
  dns: DnsUpdateSettings | null;
};

export type DnsUpdateSettings = {
  host: string;
  port: number;
  zone: string;
  /** The name every app gets a certificate under: *.<APPS_DOMAIN>. */
  wildcard: string;
  tsig: { algorithm: string; name: string; secret: string } | null;
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
    dns: dnsSettings(config),
    directoryUrl: config.ACME_DIRECTORY_URL,
    email: config.ACME_EMAIL ?? null,
    eab: config.ACME_EAB_KID && config.ACME_EAB_HMAC_KEY ? { kid: config.ACME_EAB_KID, hmacKey: config.ACME_EAB_HMAC_KEY } : null,
    ca,
  };
}

function dnsSettings(config: Config): DnsUpdateSettings | null {
  if (!config.ACME_DNS_SERVER) return null;
  if (config.APPS_DOMAIN === "localhost") throw new Error("ACME_DNS_SERVER is set, but APPS_DOMAIN is localhost: a wildcard certificate needs a real domain.");
  const zone = config.ACME_DNS_ZONE ?? config.APPS_DOMAIN;
  if (config.APPS_DOMAIN !== zone && !config.APPS_DOMAIN.endsWith(`.${zone}`)) {
    throw new Error(`ACME_DNS_ZONE (${zone}) does not contain APPS_DOMAIN (${config.APPS_DOMAIN}).`);
  }
  const server = parseHostPort(config.ACME_DNS_SERVER) ?? { host: config.ACME_DNS_SERVER, port: 53 };
  const [algorithm, name, secret] = config.ACME_DNS_TSIG_KEY?.split(":") ?? [];
  return {
    host: server.host,
    port: server.port,
    zone,
    wildcard: `*.${config.APPS_DOMAIN}`,
    tsig: config.ACME_DNS_TSIG_KEY ? { algorithm, name, secret } : null,
  };
}
