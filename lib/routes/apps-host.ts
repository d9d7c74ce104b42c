import { loadConfig } from "@/lib/config/env";
import type { AppsHost } from "@/lib/routes/app-url";

// Server side only (reads the environment): where the edge router serves apps.
export function appsHost(): AppsHost {
  const { APPS_DOMAIN, ROUTER_PORT } = loadConfig();
  return { domain: APPS_DOMAIN, port: ROUTER_PORT };
}
