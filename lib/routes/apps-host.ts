import { loadConfig } from "@/lib/config/env";
import { type Db, db } from "@/lib/db/client";
import type { AppsHost } from "@/lib/routes/app-url";

// Server side only (reads the environment and the certificates): where the
// edge router serves apps, and over HTTPS once the wildcard of APPS_DOMAIN is
// issued (lib/certificates, DNS-01) and ROUTER_HTTPS_PORT is set.
export async function appsHost(database: Db = db()): Promise<AppsHost> {
  const { APPS_DOMAIN, ROUTER_PORT, ROUTER_HTTPS_PORT } = loadConfig();
  const host = { domain: APPS_DOMAIN, port: ROUTER_PORT };
  if (!ROUTER_HTTPS_PORT) return host;
  const wildcard = await database.certificate.findFirst({
    where: { hostname: `*.${APPS_DOMAIN}`, certPem: { not: null }, notAfter: { gt: new Date() } },
    select: { id: true },
  });
  return wildcard ? { ...host, httpsPort: ROUTER_HTTPS_PORT } : host;
}
