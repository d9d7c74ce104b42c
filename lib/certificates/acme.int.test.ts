import { spawnSync } from "node:child_process";
import http2 from "node:http2";
import https from "node:https";
import { X509Certificate } from "node:crypto";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { runBuild } from "@/lib/build/run-build";
import type { AcmeSettings } from "@/lib/certificates/acme-settings";
import { tendCertificates } from "@/lib/certificates/tend-certificates";
import { addDomain } from "@/lib/domains/add-domain";
import { removeDomain } from "@/lib/domains/remove-domain";
import { updateProjectSettings } from "@/lib/projects/update-project-settings";
import { createTxtLookup } from "@/lib/domains/resolver";
import { verifyDomain } from "@/lib/domains/verify-domain";
import { request, startTestRouter, type TestRouter, until } from "@/lib/router/testing";
import { testDb } from "@/lib/testing/db";
import { deployDir, makeApp, seedArchiveProject, testBuildDeps, testDataDir, testSecretKey } from "@/lib/testing/deploy";
import { startDnsServer, type TestDnsServer } from "@/lib/testing/dns-server";
import { type Pebble, startPebble } from "@/lib/testing/pebble";
import { presentedFingerprint } from "@/lib/testing/tls-probe";

const db = testDb();
const dataDir = testDataDir();

let dns: TestDnsServer;
let router: TestRouter;
let pebble: Pebble;
let settings: AcmeSettings;
let root: string;
const logged: string[] = [];

beforeAll(async () => {
  dns = await startDnsServer();
  router = await startTestRouter(inject("databaseUrl"), dataDir, { https: true, log: (l) => logged.push(l) });
  // Pebble refuses a third of nonces on purpose: each is retried, never a failure.
  pebble = await startPebble({ httpPort: router.port, dnsPort: dns.port, nonceReject: 30 });
  settings = { directoryUrl: pebble.directoryUrl, email: "ops@example.test", eab: null, ca: pebble.apiCa, dns: null };
  root = await pebble.issuingRoot();
}, 60_000);
afterAll(async () => {
  await pebble?.close();
  await dns?.close();
});

const deps = () => ({ db, secretKey: testSecretKey(), settings });

// A verified custom domain routed to a live static site.
async function liveDomain(body: string) {
  const { ctx, project } = await seedArchiveProject(db);
  const d = await deployDir(ctx, project.slug, await makeApp({ "index.html": body }));
  expect(await runBuild(d.id, testBuildDeps(db, inject("databaseUrl"), dataDir))).toBe("live");
  const hostname = `shop-${project.slug}.example.test`;
  const { domain } = await addDomain({ ctx, slug: project.slug, input: { hostname } });
  dns.setRecords(domain.txtRecord.name, { TXT: [domain.txtRecord.value] });
  dns.setRecords(hostname, { A: ["127.0.0.1"] });
  expect((await verifyDomain({ ctx, id: domain.id, lookup: createTxtLookup({ servers: [dns.address] }) })).verified).toBe(true);
  return { hostname, ctx, project };
}

// An HTTPS request as a browser sends it (SNI and Host: the name), trusting only Pebble's root.
function httpsGet(hostname: string, port: number, ca = root): Promise<{ status: number; body: string; cert: X509Certificate; headers: import("node:http").IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    const req = https.request({ host: "127.0.0.1", port, servername: hostname, headers: { host: hostname }, ca, agent: false }, (res) => {
      const cert = new X509Certificate((res.socket as import("node:tls").TLSSocket).getPeerCertificate().raw);
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => (body += c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body, cert, headers: res.headers }));
    });
    req.on("error", reject);
    req.end();
  });
}

// The same over HTTP/2 (node:http2: ALPN offers h2 only), with what was negotiated.
function http2Get(hostname: string, port: number): Promise<{ alpn: string | false | null; status: number; body: string; fingerprint: string; headers: http2.IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    const session = http2.connect(`https://${hostname}:${port}`, { host: "127.0.0.1", servername: hostname, ca: root });
    session.on("error", reject);
    const stream = session.request({ ":path": "/", ":authority": hostname });
    let body = "";
    stream.setEncoding("utf8");
    stream.on("response", (headers) => {
      stream.on("data", (c: string) => (body += c));
      stream.on("end", () => {
        const socket = session.socket as import("node:tls").TLSSocket;
        resolve({ alpn: socket.alpnProtocol, status: Number(headers[":status"]), body, fingerprint: socket.getPeerX509Certificate()!.fingerprint256, headers });
        session.close();
      });
    });
    stream.on("error", reject);
    stream.end();
  });
}

// The fingerprint of what the router presents for this name now (null: no HTTPS yet, or a failed handshake).
// Other test files' certificates may be served too, so each test looks at its own names.
async function presented(hostname: string): Promise<string | null> {
  const port = router.https()?.port;
  return port ? presentedFingerprint(port, hostname, root) : null;
}
const fingerprint = async (hostname: string) => new X509Certificate((await db.certificate.findUniqueOrThrow({ where: { hostname } })).certPem!).fingerprint256;

describe("certificates from an ACME CA (Pebble)", () => {
  it("issues one for a verified domain over HTTP-01, which the router then serves by SNI; plain HTTP redirects there", async () => {
    const { hostname, ctx, project } = await liveDomain("<h1>shop over TLS</h1>");
    expect(await presented(hostname)).toBeNull();

    const result = await tendCertificates({ ...deps(), only: [hostname] });
    expect(result.issued).toContain(hostname);
    const row = await db.certificate.findUniqueOrThrow({ where: { hostname } });
    expect(row).toMatchObject({ state: "issued", source: "acme", names: [hostname], lastError: null, attempts: 0 });
    expect(row.issuer).toMatch(/Pebble Intermediate CA/);
    // Renewed at two thirds of its lifetime; the key sealed, never stored as PEM.
    const lifetime = row.notAfter!.getTime() - row.notBefore!.getTime();
    expect(Math.abs(row.nextAttemptAt!.getTime() - (row.notBefore!.getTime() + (lifetime * 2) / 3))).toBeLessThan(1000);
    expect(row.keyEnc).not.toContain("PRIVATE KEY");
    expect(await db.acmeChallenge.count({ where: { hostname } })).toBe(0);
    expect(logged.join("\n")).not.toContain("PRIVATE KEY");

    await until(async () => (await presented(hostname)) === new X509Certificate(row.certPem!).fingerprint256, 10_000, 50);
    const port = router.https()!.port;
    const served = await httpsGet(hostname, port);
    expect(served.status).toBe(200);
    expect(served.body).toContain("shop over TLS");
    expect(served.cert.checkHost(hostname)).toBe(hostname);
    expect(served.cert.fingerprint256).toBe(new X509Certificate(row.certPem!).fingerprint256);

    // HTTP/2 for a client that offers it (ALPN h2), the same certificate and answer.
    const h2 = await http2Get(hostname, port);
    expect(h2).toMatchObject({ alpn: "h2", status: 200, fingerprint: served.cert.fingerprint256 });
    expect(h2.body).toContain("shop over TLS");
    expect(h2.headers["x-slipway-sha"]).toBe(served.headers["x-slipway-sha"]);

    // Modern defaults: TLS 1.2 and 1.3 only (openssl, allowed to offer old versions, is refused with a protocol alert).
    const handshake = (version: string) =>
      spawnSync("openssl", ["s_client", "-connect", `127.0.0.1:${port}`, "-servername", hostname, `-${version}`, "-cipher", "DEFAULT:@SECLEVEL=0"], { input: "", encoding: "utf8", timeout: 10_000 });
    for (const old of ["tls1", "tls1_1"]) expect(handshake(old).stderr).toMatch(/alert protocol version/);
    expect(handshake("tls1_2").stdout).toMatch(/New, TLSv1\.2, Cipher is ECDHE-ECDSA-AES/);
    expect(handshake("tls1_3").stdout).toMatch(/New, TLSv1\.3, Cipher is TLS_AES/);

    // HSTS, a project setting: sent over HTTPS only once it is on.
    expect(served.headers["strict-transport-security"]).toBeUndefined();
    await updateProjectSettings({ ctx, slug: project.slug, input: { hsts: true } });
    await until(async () => (await httpsGet(hostname, port)).headers["strict-transport-security"] === "max-age=31536000", 10_000, 50);

    const plain = await request(router.port, hostname, "/pricing?plan=pro");
    expect(plain.status).toBe(308);
    expect(plain.headers.location).toBe(`https://${hostname}:${port}/pricing?plan=pro`);
    expect(plain.headers["strict-transport-security"]).toBeUndefined();
    // Names without a certificate stay on plain HTTP.
    expect((await request(router.port, "nothing-here.localhost", "/")).status).toBe(404);
  });

  it("answers the CA's HTTP-01 request for a pending token only, on any host", async () => {
    await db.acmeChallenge.create({ data: { token: "tok_abc-123", keyAuthorization: "tok_abc-123.thumbprint", hostname: "a.example.test" } });
    const hit = await request(router.port, "a.example.test", "/.well-known/acme-challenge/tok_abc-123");
    expect({ status: hit.status, body: hit.body.toString(), type: hit.headers["content-type"] }).toEqual({ status: 200, body: "tok_abc-123.thumbprint", type: "text/plain" });
    for (const path of ["/.well-known/acme-challenge/unknown", "/.well-known/acme-challenge/..%2f..%2fetc", "/.well-known/acme-challenge/"]) {
      expect((await request(router.port, "a.example.test", path)).status).toBe(404);
    }
    await db.acmeChallenge.delete({ where: { token: "tok_abc-123" } });
  });

  it("keeps the CA's message and retries later when validation fails; renews while HTTPS keeps answering", async () => {
    // A domain whose name does not resolve any more: Pebble cannot reach it.
    const broken = await liveDomain("<h1>unreachable</h1>");
    dns.removeRecords(broken.hostname);
    const good = await liveDomain("<h1>renewed shop</h1>");
    const before = Date.now();
    const first = await tendCertificates({ ...deps(), only: [broken.hostname, good.hostname] });
    expect(first.failed).toContain(broken.hostname);
    expect(first.issued).toContain(good.hostname);
    const failed = await db.certificate.findUniqueOrThrow({ where: { hostname: broken.hostname } });
    expect(failed).toMatchObject({ state: "failed", attempts: 1, certPem: null });
    // The CA's own words: it could not resolve the name to fetch the challenge.
    expect(failed.lastError).toMatch(new RegExp(`could not resolve URL .*http://${broken.hostname.replace(/\./g, "\\.")}:${router.port}/\\.well-known/acme-challenge/`));
    expect(failed.nextAttemptAt!.getTime() - before).toBeGreaterThanOrEqual(55_000);
    // Not due again yet: a second pass leaves it alone.
    expect((await tendCertificates({ ...deps(), only: [broken.hostname] })).failed).toEqual([]);

    const old = await fingerprint(good.hostname);
    await until(async () => (await presented(good.hostname)) === old, 10_000, 50);
    const port = router.https()!.port;
    // Renewal (made due now) while a client sends requests without pause.
    let stop = false;
    const answers: number[] = [];
    let errors = 0;
    const traffic = (async () => {
      while (!stop) {
        try {
          answers.push((await httpsGet(good.hostname, port)).status);
        } catch {
          errors++;
        }
      }
    })();
    await db.certificate.update({ where: { hostname: good.hostname }, data: { nextAttemptAt: new Date() } });
    const renewed = await tendCertificates({ ...deps(), only: [good.hostname] });
    expect(renewed.issued).toContain(good.hostname);
    const fresh = new X509Certificate((await db.certificate.findUniqueOrThrow({ where: { hostname: good.hostname } })).certPem!).fingerprint256;
    expect(fresh).not.toBe(old);
    await until(async () => (await httpsGet(good.hostname, port)).cert.fingerprint256 === fresh, 10_000, 50);
    await new Promise((r) => setTimeout(r, 300));
    stop = true;
    await traffic;
    expect(answers.length).toBeGreaterThan(10);
    expect({ errors, failed: answers.filter((s) => s !== 200).length }).toEqual({ errors: 0, failed: 0 });
  });

  it("renews by itself at two thirds of a short lifetime (Pebble issuing one-minute certificates) while a client sends requests without pause", async () => {
    // A minute: renewal comes due 40 s in, which leaves 20 s for the order on a loaded CI machine (an order took 5 s there).
    const LIFETIME_S = 60;
    const short = await startPebble({ httpPort: router.port, dnsPort: dns.port, nonceReject: 30, validitySeconds: LIFETIME_S });
    const shortRoot = await short.issuingRoot();
    const { hostname } = await liveDomain("<h1>short-lived shop</h1>");
    // The worker's tend-certificates job, run every half second here (hourly lifetimes would make a minute's cron the same thing):
    // each pass orders what is due and renews what has reached its renewal time; nothing here moves that time.
    let tending = true;
    const passes = (async () => {
      while (tending) {
        await tendCertificates({ ...deps(), settings: { ...settings, directoryUrl: short.directoryUrl, ca: short.apiCa }, only: [hostname] });
        await new Promise((r) => setTimeout(r, 500));
      }
    })();
    const stop = { traffic: false };
    try {
      await until(async () => (await db.certificate.findUnique({ where: { hostname } }))?.state === "issued", 30_000, 100);
      const first = await db.certificate.findUniqueOrThrow({ where: { hostname } });
      const lifetime = first.notAfter!.getTime() - first.notBefore!.getTime();
      expect(lifetime).toBeLessThanOrEqual(LIFETIME_S * 1000);
      expect(first.nextAttemptAt!.getTime()).toBe(first.notBefore!.getTime() + Math.round((lifetime * 2) / 3));
      const old = new X509Certificate(first.certPem!).fingerprint256;
      const port = router.https()!.port;
      await until(async () => (await presentedFingerprint(port, hostname, shortRoot)) === old, 10_000, 50);

      const answers: number[] = [];
      const failures: string[] = [];
      const traffic = (async () => {
        while (!stop.traffic) {
          try {
            answers.push((await httpsGet(hostname, port, shortRoot)).status);
          } catch (e) {
            failures.push((e as Error).message);
          }
        }
      })();
      let renewedAt = 0;
      let fresh = old;
      await until(
        async () => {
          const row = await db.certificate.findUniqueOrThrow({ where: { hostname } });
          fresh = new X509Certificate(row.certPem!).fingerprint256;
          if (fresh !== old && !renewedAt) renewedAt = Date.now();
          return fresh !== old;
        },
        LIFETIME_S * 1000,
        100,
      );
      // Renewed once due (two thirds in), well before the old one expired; then served without a restart.
      expect(renewedAt).toBeGreaterThanOrEqual(first.nextAttemptAt!.getTime());
      expect(renewedAt).toBeLessThan(first.notAfter!.getTime() - 5000);
      await until(async () => (await httpsGet(hostname, port, shortRoot)).cert.fingerprint256 === fresh, 10_000, 50);
      await new Promise((r) => setTimeout(r, 300));
      stop.traffic = true;
      await traffic;
      const renewed = await db.certificate.findUniqueOrThrow({ where: { hostname } });
      expect(renewed).toMatchObject({ state: "issued", attempts: 0, lastError: null });
      expect(renewed.notAfter!.getTime()).toBeGreaterThan(first.notAfter!.getTime());
      console.log(`short-lifetime renewal: ${lifetime / 1000} s certificates, renewed ${((renewedAt - first.notBefore!.getTime()) / 1000).toFixed(1)} s after the first's notBefore; ${answers.length} HTTPS requests meanwhile, ${failures.length} failed`);
      expect(answers.length).toBeGreaterThan(20);
      expect({ failures, non200: answers.filter((a) => a !== 200).length }).toEqual({ failures: [], non200: 0 });
    } finally {
      stop.traffic = true;
      tending = false;
      await passes;
      await short.close();
    }
  }, 150_000);

  it("stops serving a certificate whose domain is removed (with the domain, or by the next pass if it went another way)", async () => {
    const first = await liveDomain("<h1>soon gone</h1>");
    const second = await liveDomain("<h1>gone another way</h1>");
    await tendCertificates({ ...deps(), only: [first.hostname, second.hostname] });
    const [one, two] = [await fingerprint(first.hostname), await fingerprint(second.hostname)];
    await until(async () => (await presented(first.hostname)) === one && (await presented(second.hostname)) === two, 10_000, 50);
    const domain = await db.domain.findUniqueOrThrow({ where: { hostname: first.hostname } });
    await removeDomain({ ctx: first.ctx, id: domain.id });
    expect(await db.certificate.count({ where: { hostname: first.hostname } })).toBe(0);
    await until(async () => (await presented(first.hostname)) === null, 10_000, 50);
    expect((await request(router.port, first.hostname, "/")).status).toBe(404);
    // A domain row deleted without the verb (a project deleted, say): the worker's next pass removes its certificate.
    await db.domain.deleteMany({ where: { hostname: second.hostname } });
    // (The pass removes every orphaned certificate: other test files' may be among them, the table is shared.)
    const { removed } = await tendCertificates({ ...deps(), only: [] });
    expect(removed).toContain(second.hostname);
    expect(removed).not.toContain(first.hostname); // already gone with its domain
    await until(async () => (await presented(second.hostname)) === null, 10_000, 50);
  });
});
