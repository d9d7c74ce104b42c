import { execFileSync } from "node:child_process";
import { X509Certificate } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import https from "node:https";
import os from "node:os";
import path from "node:path";
import type { TLSSocket } from "node:tls";
import { demoLiveDeployment, E2E_ADMIN, expect, routerGet, setDnsRecords, shot, signIn, test } from "./fixtures";

// HTTPS end to end: the platform runs with ROUTER_HTTPS_PORT and Pebble (a
// real ACME CA, global-setup) as its ACME_DIRECTORY_URL. A domain verified in
// the console gets a certificate by itself; the router serves it by SNI.

function httpsGet(host: string, port: number, ca: string): Promise<{ status: number; headers: import("node:http").IncomingHttpHeaders; cert: X509Certificate }> {
  return new Promise((resolve, reject) => {
    const req = https.request({ host: "127.0.0.1", port, servername: host, headers: { host }, ca, agent: false }, (res) => {
      const cert = new X509Certificate((res.socket as TLSSocket).getPeerCertificate().raw);
      res.resume();
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, cert }));
    });
    req.on("error", reject);
    req.end();
  });
}

test("a verified domain gets a certificate by itself: HTTPS serves the app, plain HTTP redirects, and Chromium trusts it", async ({ page, playwright }) => {
  test.setTimeout(300_000);
  const host = `secure-${Date.now().toString(36)}.example.test`;
  const httpsPort = Number(process.env.E2E_HTTPS_PORT);
  const root = readFileSync(process.env.E2E_PEBBLE_ROOT_FILE!, "utf8");
  await signIn(page, E2E_ADMIN.email, E2E_ADMIN.password);
  const live = await demoLiveDeployment(page);
  const added = await page.request.post("/api/projects/demo/domains", { data: { hostname: host } });
  expect(added.status()).toBe(200);
  const { domain } = await added.json();
  // The TXT record proves control; the A record is what the CA follows to the router.
  setDnsRecords({ [domain.txtRecord.name]: { TXT: [domain.txtRecord.value] }, [host]: { A: ["127.0.0.1"] } });

  await page.goto("/projects/demo/domains");
  const card = page.locator(`[data-testid="domain"][data-hostname="${host}"]`);
  await card.getByRole("button", { name: `Verify ${host}` }).click();
  await expect(card.getByTestId("domain-status")).toHaveAttribute("data-status", "verified");
  // The certificate is requested as soon as the domain is verified; the page follows along.
  const certificate = card.getByTestId("domain-certificate");
  await expect(certificate).toHaveAttribute("data-state", "issued", { timeout: 120_000 });
  await expect(certificate).toContainText(`HTTPS at https://${host}:${httpsPort}: certificate from Pebble Intermediate CA`);
  await expect(certificate).toContainText(/expires in (4|5) years/);
  await shot(page, "domains-certificate-issued");

  // Node's TLS client, trusting only Pebble's root: the app, over HTTPS, with this name's certificate.
  const secure = await httpsGet(host, httpsPort, root);
  expect(secure.status).toBe(200);
  expect(secure.headers["x-slipway-deployment"]).toBe(live);
  expect(secure.cert.checkHost(host)).toBe(host);
  const plain = await routerGet(process.env.E2E_ROUTER_URL!, host, "/about?x=1");
  expect(plain.status).toBe(308);
  expect(plain.headers.location).toBe(`https://${host}:${httpsPort}/about?x=1`);

  // Chromium given Pebble's root (an NSS database of its own, as a system would have it): no certificate warning.
  const home = mkdtempSync(path.join(os.tmpdir(), "e2e-chromium-home-"));
  const rootFile = path.join(home, "pebble-root.pem");
  try {
    const nssdb = path.join(home, ".pki", "nssdb");
    mkdirSync(nssdb, { recursive: true });
    execFileSync("certutil", ["-d", `sql:${nssdb}`, "-N", "--empty-password"]);
    execFileSync("cp", [process.env.E2E_PEBBLE_ROOT_FILE!, rootFile]);
    execFileSync("certutil", ["-d", `sql:${nssdb}`, "-A", "-t", "C,,", "-n", "pebble-root", "-i", rootFile]);
    const browser = await playwright.chromium.launch({
      executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
      env: { ...process.env, HOME: home },
      args: ["--no-sandbox", "--disable-gpu", `--host-resolver-rules=MAP ${host} 127.0.0.1`],
    });
    try {
      const trusted = await (await browser.newContext()).newPage();
      const response = await trusted.goto(`https://${host}:${httpsPort}/`);
      expect(response?.status()).toBe(200);
      expect(await response?.securityDetails()).toMatchObject({ subjectName: host, protocol: expect.stringMatching(/^TLS 1\.[23]$/) });
      expect(await response?.headerValue("x-slipway-deployment")).toBe(live);
      // Over HTTP/2, which Chromium offers through ALPN.
      expect(await trusted.evaluate(() => (performance.getEntriesByType("navigation")[0] as PerformanceNavigationTiming).nextHopProtocol)).toBe("h2");
      await shot(trusted, "https-served-in-chromium");
      // Plain HTTP takes the browser to HTTPS.
      const redirected = await trusted.goto(`http://${host}:${new URL(process.env.E2E_ROUTER_URL!).port}/`);
      expect(redirected?.url()).toBe(`https://${host}:${httpsPort}/`);
    } finally {
      await browser.close();
    }
  } finally {
    rmSync(home, { recursive: true, force: true });
  }

  // Removed: its certificate goes with it, and the name is no longer routed at all.
  await card.getByRole("button", { name: `Remove ${host}` }).click();
  await page.getByRole("dialog", { name: `Remove ${host}?` }).getByRole("button", { name: "Remove domain" }).click();
  await expect(card).toHaveCount(0);
  await expect.poll(async () => (await routerGet(process.env.E2E_ROUTER_URL!, host, "/")).status, { timeout: 5000 }).toBe(404);
  setDnsRecords({});
});

test("an admin uploads their own certificate for a domain: a bad pair is refused with the reason, a good one is served, and removing it goes back to the CA", async ({ page }) => {
  test.setTimeout(300_000);
  const host = `own-${Date.now().toString(36)}.example.test`;
  const httpsPort = Number(process.env.E2E_HTTPS_PORT);
  await signIn(page, E2E_ADMIN.email, E2E_ADMIN.password);
  await demoLiveDeployment(page);
  const { domain } = await (await page.request.post("/api/projects/demo/domains", { data: { hostname: host } })).json();
  setDnsRecords({ [domain.txtRecord.name]: { TXT: [domain.txtRecord.value] }, [host]: { A: ["127.0.0.1"] } });
  await page.goto("/projects/demo/domains");
  const card = page.locator(`[data-testid="domain"][data-hostname="${host}"]`);
  await card.getByRole("button", { name: `Verify ${host}` }).click();
  await expect(card.getByTestId("domain-status")).toHaveAttribute("data-status", "verified");

  const dir = mkdtempSync(path.join(os.tmpdir(), "e2e-own-cert-"));
  try {
    const make = (name: string, san: string) => {
      // Ten days: close enough to expiry for the console's warning (Slipway never renews an upload).
      execFileSync("openssl", [
        "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "10", "-subj", `/O=Own Ops/CN=${san}`,
        "-addext", `subjectAltName=DNS:${san}`, "-keyout", path.join(dir, `${name}.key`), "-out", path.join(dir, `${name}.crt`),
      ], { stdio: "ignore" });
      return { cert: readFileSync(path.join(dir, `${name}.crt`), "utf8"), key: readFileSync(path.join(dir, `${name}.key`), "utf8") };
    };
    const wrong = make("wrong", "elsewhere.example.test");
    const good = make("good", host);

    await card.getByRole("button", { name: "Use your own certificate" }).click();
    const dialog = page.getByRole("dialog", { name: `Your own certificate for ${host}` });
    await dialog.getByLabel("Certificate chain (PEM)").fill(wrong.cert);
    await dialog.getByLabel("Private key (PEM)").fill(wrong.key);
    await dialog.getByRole("button", { name: "Use this certificate" }).click();
    await expect(dialog.getByRole("alert")).toContainText(`The certificate does not cover ${host}: it is for elsewhere.example.test.`);
    await shot(page, "domains-certificate-upload-refused");

    await dialog.getByLabel("Certificate chain (PEM)").fill(good.cert);
    await dialog.getByLabel("Private key (PEM)").fill(good.key);
    await dialog.getByRole("button", { name: "Use this certificate" }).click();
    await expect(dialog).toBeHidden();
    const certificate = card.getByTestId("domain-certificate");
    await expect(certificate).toContainText(`uploaded certificate from Own Ops (${host})`);
    await expect(certificate).toContainText("It expires within 14 days and no renewal is under way.");
    await expect(certificate).toHaveAttribute("data-state", "issued");
    await shot(page, "domains-certificate-uploaded");
    // The key never comes back: not in the domains API, not in the audit log, not in the page.
    const keyBody = good.key.split("\n").filter((l) => l && !l.startsWith("-----")).join("");
    const teamId = (await (await page.request.get("/api/me")).json()).teams[0].id as string;
    for (const url of ["/api/projects/demo/domains", `/api/teams/${teamId}/audit?limit=50`]) {
      const res = await page.request.get(url);
      expect(res.status(), url).toBe(200);
      const text = (await res.text()).replace(/\\n/g, "");
      if (url.includes("audit")) expect(text, "the upload is audited").toContain("domain.certificate.upload");
      expect(text.includes(keyBody), `${url} contains the private key`).toBe(false);
      expect(text.includes("PRIVATE KEY"), `${url} contains a private key`).toBe(false);
    }
    expect((await page.content()).includes(keyBody)).toBe(false);
    // Served by SNI to a client that trusts it.
    await expect
      .poll(async () => (await httpsGet(host, httpsPort, good.cert).catch(() => null))?.cert.fingerprint256, { timeout: 10_000 })
      .toBe(new X509Certificate(good.cert).fingerprint256);

    // The project page warns too, and links to the domains.
    await page.goto("/projects/demo");
    await expect(page.getByTestId("certificate-warnings")).toContainText(`HTTPS certificate expiring within 14 days, with no renewal under way: ${host}`);
    await shot(page, "project-certificate-warning");
    await page.getByTestId("certificate-warnings").getByRole("link", { name: "See the domains" }).click();
    await expect(card).toBeVisible();

    await card.getByRole("button", { name: "Remove the uploaded certificate" }).click();
    await page.getByRole("dialog", { name: `Remove the uploaded certificate of ${host}?` }).getByRole("button", { name: "Remove certificate" }).click();
    // The CA's takes over: requested at once.
    await expect(certificate).toContainText("Pebble Intermediate CA", { timeout: 90_000 });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  await card.getByRole("button", { name: `Remove ${host}` }).click();
  await page.getByRole("dialog", { name: `Remove ${host}?` }).getByRole("button", { name: "Remove domain" }).click();
  await expect(card).toHaveCount(0);
  setDnsRecords({});
});
