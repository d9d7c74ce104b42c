import { rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { startDnsServer } from "@/lib/testing/dns-server";
import { freePort } from "@/lib/platform/free-port";
import { preparePebble } from "@/lib/testing/pebble";
import { startPlatform } from "@/lib/testing/platform-process";

// Boots the real platform (built console, worker, router, embedded Postgres)
// once for the e2e run, with known owner credentials.
export const E2E_ADMIN = { email: "owner@e2e.test", password: "e2e-owner-password-123" };

export default async function globalSetup() {
  // Custom domains verify through a DNS server the specs control (fixtures.ts setDnsRecords).
  const dnsZoneFile = path.join(os.tmpdir(), `slipway-e2e-dns-${process.pid}.json`);
  const dns = await startDnsServer({ zoneFile: dnsZoneFile });
  const closeDns = () => dns.close().finally(() => rmSync(dnsZoneFile, { force: true }));
  // Every API write the suite makes is traced for e2e/audit-completeness.check.ts.
  const auditTraceFile = path.join(os.tmpdir(), `slipway-e2e-audit-${process.pid}.jsonl`);
  rmSync(auditTraceFile, { force: true });
  // HTTPS: certificates from Pebble (a real ACME CA) for domains the specs verify (e2e/https.spec.ts).
  const pebble = await preparePebble();
  const httpsPort = await freePort();
  const platform = await startPlatform({
    env: {
      ROUTER_HTTPS_PORT: String(httpsPort),
      ACME_DIRECTORY_URL: pebble.directoryUrl,
      ACME_CA_FILE: pebble.caFile,
      ACME_EMAIL: "ops@e2e.test",
      SLIPWAY_ADMIN_EMAIL: E2E_ADMIN.email,
      SLIPWAY_ADMIN_PASSWORD: E2E_ADMIN.password,
      DNS_SERVERS: dns.address,
      AUDIT_TRACE_FILE: auditTraceFile,
      // Small sandbox limits, so the hostile builds (e2e/hostile-builds.spec.ts) reach them quickly.
      SANDBOX_MEMORY_MB: "1024",
      SANDBOX_PIDS: "256",
      SANDBOX_DISK_MB: "512",
      // Server apps out of every route stop after 5 s, not 5 min (e2e/server-apps.spec.ts watches them drain).
      RUNTIME_IDLE_SEC: "5",
      // Log drains to a receiver the spec starts on this machine (e2e/logs.spec.ts).
      DRAIN_ALLOW_PRIVATE: "true",
      NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ""} --import ${path.resolve(import.meta.dirname, "../lib/testing/audit-trace-preload.mjs")}`.trim(),
    },
  }).catch(async (e) => {
    await closeDns();
    throw e;
  });
  const ca = await pebble.start({ httpPort: Number(new URL(platform.routerUrl).port), dnsPort: dns.port, nonceReject: 10 }).catch(async (e) => {
    await platform.stop();
    await closeDns();
    throw e;
  });
  const rootFile = path.join(os.tmpdir(), `slipway-e2e-pebble-root-${process.pid}.pem`);
  writeFileSync(rootFile, await ca.issuingRoot());
  process.env.E2E_HTTPS_PORT = String(httpsPort);
  process.env.E2E_PEBBLE_ROOT_FILE = rootFile;
  process.env.E2E_DNS_ZONE_FILE = dnsZoneFile;
  process.env.E2E_BASE_URL = platform.consoleUrl;
  process.env.E2E_ROUTER_URL = platform.routerUrl;
  process.env.E2E_DATA_DIR = platform.dataDir;
  process.env.E2E_ROUTER_ADMIN_URL = platform.routerAdminUrl;
  process.env.E2E_PG_PORT = String(platform.pgPort);
  process.env.E2E_AUDIT_TRACE_FILE = auditTraceFile;
  return async () => {
    await platform.stop();
    await ca.close();
    rmSync(rootFile, { force: true });
    await closeDns();
    rmSync(auditTraceFile, { force: true });
  };
}
