import { execFileSync } from "node:child_process";
import { X509Certificate } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, inject, it } from "vitest";
import { removeUploadedCertificate, uploadCertificate } from "@/lib/certificates/upload-certificate";
import { addDomain } from "@/lib/domains/add-domain";
import { request, startTestRouter, until } from "@/lib/router/testing";
import { testDb } from "@/lib/testing/db";
import { seedArchiveProject, testDataDir } from "@/lib/testing/deploy";
import { appError } from "@/lib/testing/expect-app-error";
import { presentedFingerprint } from "@/lib/testing/tls-probe";

const db = testDb();
const dataDir = testDataDir();
const dir = mkdtempSync(path.join(os.tmpdir(), "upload-cert-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// A self-signed certificate and its key (openssl, fixed arguments), for `names`.
function selfSigned(name: string, names: string[]) {
  const [key, cert] = [path.join(dir, `${name}.key`), path.join(dir, `${name}.crt`)];
  execFileSync("openssl", [
    "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "2", "-subj", `/O=Example Ops/CN=${names[0]}`,
    "-addext", `subjectAltName=${names.map((n) => `DNS:${n}`).join(",")}`, "-keyout", key, "-out", cert,
  ], { stdio: "ignore" });
  return { certificate: readFileSync(cert, "utf8"), privateKey: readFileSync(key, "utf8") };
}

async function verifiedDomain() {
  const { ctx, project } = await seedArchiveProject(db);
  const hostname = `own-${project.slug}.example.test`;
  const { domain } = await addDomain({ ctx, slug: project.slug, input: { hostname } });
  return { ctx, hostname, domain, verify: () => db.domain.update({ where: { id: domain.id }, data: { status: "verified", verifiedAt: new Date() } }) };
}

describe("an uploaded certificate", () => {
  it("is checked, stored with its key sealed, served by SNI, and can be removed", async () => {
    const router = await startTestRouter(inject("databaseUrl"), dataDir, { https: true });
    const { ctx, hostname, domain, verify } = await verifiedDomain();
    const pair = selfSigned("good", [hostname, `www.${hostname}`]);
    expect((await appError(uploadCertificate({ ctx, id: domain.id, input: pair }))).message).toBe(
      `Verify ${hostname} first: certificates are served for verified domains only.`,
    );
    await verify();
    const { certificate } = await uploadCertificate({ ctx, id: domain.id, input: pair });
    expect(certificate).toMatchObject({ hostname, source: "uploaded", state: "issued", names: [hostname, `www.${hostname}`], issuer: `Example Ops (${hostname})`, nextAttemptAt: null });
    const row = await db.certificate.findUniqueOrThrow({ where: { hostname } });
    expect(row.keyEnc).not.toContain("PRIVATE KEY");
    const audit = await db.auditEvent.findFirstOrThrow({ where: { targetId: domain.id, action: "domain.certificate.upload" } });
    expect(JSON.stringify(audit.data)).not.toContain("PRIVATE KEY");

    // What the router presents for this name (other tests' certificates may be in the table too).
    const presented = async () => {
      const port = router.https()?.port;
      return port ? presentedFingerprint(port, hostname) : null;
    };
    const mine = new X509Certificate(pair.certificate).fingerprint256;
    await until(async () => (await presented()) === mine, 10_000, 50);
    // It expires in two days and Slipway does not renew uploads: /readyz says so.
    const ready = JSON.parse((await request(router.adminPort, "localhost", "/readyz")).body.toString());
    expect(ready.https.expiringSoon).toContainEqual({ hostname, notAfter: new Date(new X509Certificate(pair.certificate).validTo).toISOString() });

    await removeUploadedCertificate({ ctx, id: domain.id });
    expect(await db.certificate.count({ where: { hostname } })).toBe(0);
    await until(async () => (await presented()) !== mine, 10_000, 50);
    expect(await presented()).not.toBe(mine);
    expect((await appError(removeUploadedCertificate({ ctx, id: domain.id }))).message).toBe(`${hostname} has no uploaded certificate.`);
  });

  it.each([
    ["not PEM", () => ({ certificate: "hello", privateKey: "world" }), /^That is not a PEM certificate/],
    ["a key that is not the certificate's", (h: string) => ({ ...selfSigned("a", [h]), privateKey: selfSigned("b", [h]).privateKey }), /^The private key is not the certificate's/],
    ["a certificate for other names", () => selfSigned("other", ["other.example.test"]), /^The certificate does not cover own-.*: it is for other\.example\.test\.$/],
    ["an unreadable key", (h: string) => ({ ...selfSigned("c", [h]), privateKey: "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----" }), /^The private key cannot be read/],
    ["an empty field", () => ({ certificate: "", privateKey: "k" }), /^certificate: The certificate is required/],
    [
      "a chain whose second certificate did not sign the first",
      (h: string) => {
        const pair = selfSigned("chained", [h]);
        return { ...pair, certificate: pair.certificate + selfSigned("unrelated", ["ca.example.test"]).certificate };
      },
      /^The chain is out of order or broken: certificate 1 \(.*\) is not signed by certificate 2 \(.*CN=ca\.example\.test\)/,
    ],
  ])("refuses %s, naming the problem, and stores nothing", async (_name, make, message) => {
    const { ctx, hostname, domain, verify } = await verifiedDomain();
    await verify();
    const e = await appError(uploadCertificate({ ctx, id: domain.id, input: make(hostname) }));
    expect(e.code).toBe("invalid");
    expect(e.message).toMatch(message);
    expect(await db.certificate.count({ where: { hostname } })).toBe(0);
  });

  it("refuses one that has expired or is not valid yet", async () => {
    const { ctx, hostname, domain, verify } = await verifiedDomain();
    await verify();
    const pair = selfSigned("dated", [hostname]);
    const notAfter = new X509Certificate(pair.certificate).validTo;
    const later = new Date(Date.now() + 3 * 86_400_000);
    expect((await appError(uploadCertificate({ ctx, id: domain.id, input: pair, now: later }))).message).toBe(
      `The certificate expired on ${new Date(notAfter).toISOString().slice(0, 10)}.`,
    );
    expect((await appError(uploadCertificate({ ctx, id: domain.id, input: pair, now: new Date(Date.now() - 86_400_000) }))).message).toMatch(/^The certificate is not valid before /);
  });
});
