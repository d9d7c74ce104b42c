import { X509Certificate } from "node:crypto";
import { Resolver } from "node:dns/promises";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { AcmeSettings } from "@/lib/certificates/acme-settings";
import { acmeSettings } from "@/lib/certificates/acme-settings";
import { updateTxt } from "@/lib/certificates/dns-update";
import { tendCertificates } from "@/lib/certificates/tend-certificates";
import { loadConfig } from "@/lib/config/env";
import { appUrl } from "@/lib/routes/app-url";
import { appsHost } from "@/lib/routes/apps-host";
import { request, startTestRouter, type TestRouter, until } from "@/lib/router/testing";
import { testDb } from "@/lib/testing/db";
import { seedArchiveProject, testDataDir, testSecretKey } from "@/lib/testing/deploy";
import { listDomains } from "@/lib/domains/list-domains";
import { type Named, startNamed } from "@/lib/testing/named";
import { type Pebble, startPebble } from "@/lib/testing/pebble";
import { presentedFingerprint } from "@/lib/testing/tls-probe";

const db = testDb();
const dataDir = testDataDir();
const run = Math.random().toString(36).slice(2, 8);
const appsDomain = `apps-${run}.example.test`;

let named: Named;
let pebble: Pebble;
let router: TestRouter;
let settings: AcmeSettings;
const logged: string[] = [];

beforeAll(async () => {
  named = await startNamed(appsDomain);
  router = await startTestRouter(inject("databaseUrl"), dataDir, { https: true });
  // Pebble resolves the TXT records through BIND, where the updates go.
  pebble = await startPebble({ httpPort: router.port, dnsPort: named.port, nonceReject: 20 });
  settings = acmeSettings(
    loadConfig({ APPS_DOMAIN: appsDomain, ACME_DIRECTORY_URL: pebble.directoryUrl, ACME_DNS_SERVER: named.address, ACME_DNS_TSIG_KEY: named.tsigKey } as unknown as NodeJS.ProcessEnv),
  )!;
  settings.ca = pebble.apiCa;
}, 60_000);
afterAll(async () => {
  await pebble?.close();
  await named?.close();
});

const txt = async (name: string) => {
  const resolver = new Resolver();
  resolver.setServers([named.address]);
  return (await resolver.resolveTxt(name).catch(() => [])).map((chunks) => chunks.join(""));
};

describe("the wildcard of the apps' domain through DNS-01 (RFC 2136 updates to BIND)", () => {
  it("is ordered with a TSIG-signed TXT record that is removed afterwards, and served for every one-label name under it", async () => {
    expect(settings.dns).toMatchObject({ zone: appsDomain, wildcard: `*.${appsDomain}`, port: named.port });
    const result = await tendCertificates({ db, secretKey: testSecretKey(), settings, only: [`*.${appsDomain}`], log: (l) => logged.push(l) });
    expect(result.issued).toEqual([`*.${appsDomain}`]);
    const row = await db.certificate.findUniqueOrThrow({ where: { hostname: `*.${appsDomain}` } });
    expect(row).toMatchObject({ state: "issued", names: [`*.${appsDomain}`], lastError: null });
    expect(await txt(`_acme-challenge.${appsDomain}`)).toEqual([]); // cleaned up

    const fingerprint = new X509Certificate(row.certPem!).fingerprint256;
    const root = await pebble.issuingRoot();
    const presented = async (name: string) => {
      const port = router.https()?.port;
      return port ? presentedFingerprint(port, name, root) : null;
    };
    await until(async () => (await presented(`shop.${appsDomain}`)) === fingerprint, 10_000, 50);
    // Any project name under it, trusted through Pebble's root; not two labels down.
    expect(await presented(`blog-1234.${appsDomain}`)).toBe(fingerprint);
    expect(await presented(`a.b.${appsDomain}`)).toBeNull();
    // Plain HTTP redirects names under the wildcard, one DNS label deep, and nothing that only ends like one.
    const plain = await request(router.port, `shop.${appsDomain}`, "/x?y=1");
    expect({ status: plain.status, location: plain.headers.location }).toEqual({ status: 308, location: `https://shop.${appsDomain}:${router.https()!.port}/x?y=1` });
    for (const host of [`a/b@evil.${appsDomain}`, `a.b.${appsDomain}`, `-x.${appsDomain}`, `evil.com#.${appsDomain}`]) {
      expect((await request(router.port, host, "/")).status, host).not.toBe(308);
    }

    // The console's app URLs turn https:// (with ROUTER_HTTPS_PORT), and stay http:// without the wildcard.
    const saved = { APPS_DOMAIN: process.env.APPS_DOMAIN, ROUTER_HTTPS_PORT: process.env.ROUTER_HTTPS_PORT, ACME_DNS_SERVER: process.env.ACME_DNS_SERVER };
    try {
      Object.assign(process.env, { APPS_DOMAIN: appsDomain, ROUTER_HTTPS_PORT: "8443" });
      expect(appUrl("shop", await appsHost(db))).toBe(`https://shop.${appsDomain}:8443`);
      // The Domains page shows the project's own name with the wildcard's state (only where DNS-01 is configured).
      const { ctx, project } = await seedArchiveProject(db);
      expect((await listDomains({ ctx, slug: project.slug })).https.projectName).toBeNull();
      process.env.ACME_DNS_SERVER = named.address;
      expect((await listDomains({ ctx, slug: project.slug })).https.projectName).toMatchObject({
        hostname: `${project.slug}.${appsDomain}`,
        certificate: { hostname: `*.${appsDomain}`, state: "issued", names: [`*.${appsDomain}`], expiresSoon: false },
      });
      delete process.env.ACME_DNS_SERVER;
      process.env.APPS_DOMAIN = `other-${appsDomain}`;
      expect(appUrl("shop", await appsHost(db))).toMatch(new RegExp(`^http://shop\\.other-${appsDomain.replace(/\./g, "\\.")}:\\d+$`));
    } finally {
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
  });

  it("refuses an update the server does not accept (a wrong TSIG key), naming it, and keeps the CA's message on the certificate", async () => {
    const wrongKey = { ...settings.dns!, tsig: { algorithm: "hmac-sha256", name: "slipway-test", secret: Buffer.alloc(32, 7).toString("base64") } };
    await expect(updateTxt(wrongKey, { op: "add", name: `_acme-challenge.${appsDomain}`, value: "abc" })).rejects.toThrow(/the DNS update was refused \(nsupdate exit 2\): .*(BADSIG|BADKEY|tsig)/i);
    await expect(updateTxt(settings.dns!, { op: "add", name: `x.${appsDomain}\nupdate delete ${appsDomain}`, value: "abc" })).rejects.toThrow(/refused to send an update/);
    await db.certificate.update({ where: { hostname: `*.${appsDomain}` }, data: { nextAttemptAt: new Date() } });
    // A new ACME account: the CA would otherwise reuse the first test's valid authorization and ask for no record at all.
    await db.acmeAccount.deleteMany({ where: { directoryUrl: pebble.directoryUrl } });
    const failed = await tendCertificates({ db, secretKey: testSecretKey(), settings: { ...settings, dns: wrongKey }, only: [`*.${appsDomain}`] });
    expect(failed.failed).toEqual([`*.${appsDomain}`]);
    const row = await db.certificate.findUniqueOrThrow({ where: { hostname: `*.${appsDomain}` } });
    // The issued one keeps serving; the failure is shown beside it.
    expect(row.state).toBe("issued");
    expect(row.lastError).toMatch(/the DNS update was refused/);
  });
});
