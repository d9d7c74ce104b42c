import { startPlatform } from "@/lib/testing/platform-process";

// Boots the real platform (built console, worker, router, embedded Postgres)
// once for the e2e run, with known owner credentials.
export const E2E_ADMIN = { email: "owner@e2e.test", password: "e2e-owner-password-123" };

export default async function globalSetup() {
  const platform = await startPlatform({
    env: { SLIPWAY_ADMIN_EMAIL: E2E_ADMIN.email, SLIPWAY_ADMIN_PASSWORD: E2E_ADMIN.password },
  });
  process.env.E2E_BASE_URL = platform.consoleUrl;
  process.env.E2E_ROUTER_URL = platform.routerUrl;
  process.env.E2E_DATA_DIR = platform.dataDir;
  return async () => {
    await platform.stop();
  };
}
