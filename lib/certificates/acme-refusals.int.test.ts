import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { runBuild } from "@/lib/build/run-build";
import type { AcmeSettings } from "@/lib/certificates/acme-settings";
import { tendCertificates } from "@/lib/certificates/tend-certificates";
import { addDomain } from "@/lib/domains/add-domain";
import { startTestRouter, type TestRouter } from "@/lib/router/testing";
import { testDb } from "@/lib/testing/db";
import { deployDir, makeApp, seedArchiveProject, testBuildDeps, testDataDir, testSecretKey } from "@/lib/testing/deploy";
import { startDnsServer, type TestDnsServer } from "@/lib/testing/dns-server";
import { type Pebble, rateLimitingFront, startPebble } from "@/lib/testing/pebble";

// The CA saying no, with a CA that requires External Account Binding and
// blocks a name (Pebble's configuration), and a worker that died mid-order.
const db = testDb();
const dataDir = testDataDir();
const kid = "slipway-kid";
const hmacKey = randomBytes(32).toString("base64url");

let dns: TestDnsServer;
let router: TestRouter;
let pebble: Pebble;
let base: AcmeSettings;

beforeAll(async () => {
  dns = await startDnsServer();
  router = await startTestRouter(inject("databaseUrl"), dataDir);
  pebble = await startPebble({ httpPort: router.port, dnsPort: dns.port, eab: { [kid]: hmacKey }, blocklist: ["blocked.example.test"], nonceReject: 10 });
  base = { directoryUrl: pebble.directoryUrl, email: null, eab: null, ca: pebble.apiCa, dns: null };
}, 60_000);
afterAll(async () => {
  await pebble?.close();
  await dns?.close();
});

async function verifiedDomain(hostname: string) {
  const { ctx, project } = await seedArchiveProject(db);
  const d = await deployDir(ctx, project.slug, await makeApp({ "index.html": "<h1>hi</h1>" }));
  expect(await runBuild(d.id, testBuildDeps(db, inject("databaseUrl"), dataDir))).toBe("live");
  await addDomain({ ctx, slug: project.slug, input: { hostname } });
  await db.domain.update({ where: { hostname }, data: { status: "verified", verifiedAt: new Date() } });
  dns.setRecords(hostname, { A: ["127.0.0.1"] });
}

describe("when the CA says no", () => {
  it("needs External Account Binding here: without it the account is refused in the CA's words; with it the certificate is issued", async () => {
    const hostname = `eab-${Date.now().toString(36)}.example.test`;
    await verifiedDomain(hostname);
    const refused = await tendCertificates({ db, secretKey: testSecretKey(), settings: base, only: [hostname] });
    expect(refused.failed).toEqual([hostname]);
    const row = await db.certificate.findUniqueOrThrow({ where: { hostname } });
    expect(row).toMatchObject({ state: "failed", attempts: 1 });
    expect(row.lastError).toMatch(/^ACME server policy requires newAccount requests must include a value for the .externalAccountBinding. field/);
    expect(await db.acmeAccount.findFirst({ where: { directoryUrl: pebble.directoryUrl, accountUrl: { not: null } } })).toBeNull();

    await db.certificate.update({ where: { hostname }, data: { nextAttemptAt: new Date() } });
    const issued = await tendCertificates({ db, secretKey: testSecretKey(), settings: { ...base, eab: { kid, hmacKey } }, only: [hostname] });
    expect(issued.issued).toEqual([hostname]);
    expect(await db.certificate.findUniqueOrThrow({ where: { hostname } })).toMatchObject({ state: "issued", lastError: null, attempts: 0 });
  });

  it("refuses a name it will not issue for: failed with the CA's message, tried again later with backoff", async () => {
    const hostname = "blocked.example.test";
    await db.domain.deleteMany({ where: { hostname } });
    await db.certificate.deleteMany({ where: { hostname } });
    await verifiedDomain(hostname);
    const settings = { ...base, eab: { kid, hmacKey } };
    const t0 = Date.now();
    expect((await tendCertificates({ db, secretKey: testSecretKey(), settings, only: [hostname] })).failed).toEqual([hostname]);
    const first = await db.certificate.findUniqueOrThrow({ where: { hostname } });
    expect(first.state).toBe("failed");
    expect(first.lastError).toMatch(/rejectedIdentifier|blocked|policy/i);
    expect(first.nextAttemptAt!.getTime() - t0).toBeGreaterThanOrEqual(55_000);
    // Due again (a minute later): refused again, and the wait doubles.
    const later = new Date(first.nextAttemptAt!.getTime() + 1000);
    expect((await tendCertificates({ db, secretKey: testSecretKey(), settings, only: [hostname], now: () => later })).failed).toEqual([hostname]);
    const second = await db.certificate.findUniqueOrThrow({ where: { hostname } });
    expect(second.attempts).toBe(2);
    expect(second.nextAttemptAt!.getTime() - later.getTime()).toBe(120_000);
  });

  it("rate limited: the CA's message is kept, the next attempt waits for its Retry-After (never slept on inside the pass), the issued certificate keeps serving", async () => {
    const hostname = `limited-${Date.now().toString(36)}.example.test`;
    await verifiedDomain(hostname);
    const settings = { ...base, eab: { kid, hmacKey } };
    expect((await tendCertificates({ db, secretKey: testSecretKey(), settings, only: [hostname] })).issued).toEqual([hostname]);
    const issued = await db.certificate.findUniqueOrThrow({ where: { hostname } });

    // Its renewal comes due while the CA is past a limit for the name (a week's worth of Retry-After).
    const front = await rateLimitingFront(pebble, 7 * 24 * 3600);
    try {
      await db.certificate.update({ where: { hostname }, data: { nextAttemptAt: new Date() } });
      const t0 = Date.now();
      const pass = await tendCertificates({ db, secretKey: testSecretKey(), settings: { ...settings, directoryUrl: front.directoryUrl, ca: front.ca }, only: [hostname] });
      const took = Date.now() - t0;
      expect(pass.failed).toEqual([hostname]);
      expect(front.orders()).toBe(1);
      expect(took).toBeLessThan(10_000);
      const limited = await db.certificate.findUniqueOrThrow({ where: { hostname } });
      // Still serving the certificate it has, with the CA's words beside it and the next try when the CA said.
      expect(limited).toMatchObject({ state: "issued", certPem: issued.certPem, attempts: 1 });
      expect(limited.lastError).toMatch(/^too many certificates \(5\) already issued for this exact set of identifiers/);
      expect(Math.abs(limited.nextAttemptAt!.getTime() - (t0 + 7 * 24 * 3600_000))).toBeLessThan(took + 1000);
      // Not due: the next passes leave it alone.
      expect((await tendCertificates({ db, secretKey: testSecretKey(), settings, only: [hostname] })).failed).toEqual([]);
      console.log(`rate limited: the pass returned in ${took} ms; next attempt in ${((limited.nextAttemptAt!.getTime() - t0) / 3600_000).toFixed(1)} h`);
    } finally {
      await front.close();
    }
  });

  it("a certificate claimed by a worker that died is not left pending: its lease runs out and the next pass orders it", async () => {
    const hostname = `orphan-${Date.now().toString(36)}.example.test`;
    await verifiedDomain(hostname);
    const settings = { ...base, eab: { kid, hmacKey } };
    // As a claim leaves it: pending, leased ten minutes ahead, no worker on it any more.
    const lease = new Date(Date.now() + 10 * 60_000);
    await db.certificate.create({ data: { hostname, state: "pending", nextAttemptAt: lease } });
    expect((await tendCertificates({ db, secretKey: testSecretKey(), settings, only: [hostname] })).issued).toEqual([]);
    const afterLease = new Date(lease.getTime() + 1000);
    expect((await tendCertificates({ db, secretKey: testSecretKey(), settings, only: [hostname], now: () => afterLease })).issued).toEqual([hostname]);
  });
});
