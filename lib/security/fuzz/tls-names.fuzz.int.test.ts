import { execFileSync } from "node:child_process";
import { X509Certificate } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import tls from "node:tls";
import fc from "fast-check";
import { afterAll, beforeAll, expect, inject, it } from "vitest";
import { request, startTestRouter, type TestRouter, until } from "@/lib/router/testing";
import { fuzz, fuzzTimeout, nastyString, sendable, veryLong } from "@/lib/security/fuzz/fuzz";
import { seal, sealedKeyId } from "@/lib/secrets/seal";
import { testDb } from "@/lib/testing/db";
import { testDataDir, testSecretKey } from "@/lib/testing/deploy";

// Hostile TLS and ACME inputs against a real router with HTTPS on: random SNI
// names in the ClientHello (each handshake ends with a certificate or a
// refusal, never a crash, and a name only ever gets its own certificate), and
// random HTTP-01 challenge tokens (the stored key
// authorization answers its exact token only; everything else is a 404).

const db = testDb();
const dataDir = testDataDir();
const dir = mkdtempSync(path.join(os.tmpdir(), "fuzz-tls-"));
const run = Math.random().toString(36).slice(2, 8);
const names = [`a-${run}.fuzz.test`, `b-${run}.fuzz.test`];
const fingerprints = new Map<string, string>();
const token = `tok-${run}_Valid-123`;
let router: TestRouter;

beforeAll(async () => {
  router = await startTestRouter(inject("databaseUrl"), dataDir, { https: true });
  const key = testSecretKey();
  for (const name of names) {
    execFileSync("openssl", [
      "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "2", "-subj", `/CN=${name}`,
      "-addext", `subjectAltName=DNS:${name}`, "-keyout", path.join(dir, `${name}.key`), "-out", path.join(dir, `${name}.crt`),
    ], { stdio: "ignore" });
    const certPem = readFileSync(path.join(dir, `${name}.crt`), "utf8");
    const keyEnc = seal(key, readFileSync(path.join(dir, `${name}.key`), "utf8"));
    await db.certificate.create({ data: { hostname: name, source: "uploaded", state: "issued", certPem, keyEnc, keyId: sealedKeyId(keyEnc)!, names: [name] } });
    fingerprints.set(name, new X509Certificate(certPem).fingerprint256);
  }
  await db.$executeRaw`SELECT pg_notify('slipway_routes', ${JSON.stringify({ certificates: true })})`;
  await db.acmeChallenge.create({ data: { token, keyAuthorization: `${token}.thumbprint`, hostname: names[0] } });
  await until(async () => (await handshake(names[0])) === fingerprints.get(names[0]) && (await handshake(names[1])) === fingerprints.get(names[1]), 15_000, 100);
}, 60_000);
afterAll(async () => {
  await db.certificate.deleteMany({ where: { hostname: { in: names } } });
  await db.acmeChallenge.deleteMany({ where: { token } });
  rmSync(dir, { recursive: true, force: true });
});

// The fingerprint of the certificate a handshake with this SNI name ends with; "refused" when there is none.
function handshake(servername: string | undefined): Promise<string> {
  return new Promise((resolve) => {
    let socket: tls.TLSSocket;
    try {
      socket = tls.connect({ host: "127.0.0.1", port: router.https()!.port, servername, rejectUnauthorized: false }, () => {
        resolve(socket.getPeerX509Certificate()?.fingerprint256 ?? "none");
        socket.destroy();
      });
    } catch {
      return resolve("client-refused"); // Node would not send this name at all
    }
    socket.setTimeout(5000, () => {
      socket.destroy();
      resolve("timeout");
    });
    socket.on("error", () => resolve("refused"));
  });
}

it(
  "random SNI names get one of the router's certificates or a refusal, a name only its own, and the router stays up",
  async () => {
    const sni = fc.oneof(
      { weight: 3, arbitrary: fc.tuple(fc.constantFrom(...names, ...names.map((n) => n.toUpperCase()), "fuzz.test", "*.fuzz.test"), fc.constantFrom("", "", ".", "..", "x", "\0", " ", ":443", ".evil.test")).map(([n, s]) => `${n}${s}`) },
      { weight: 2, arbitrary: fc.domain() },
      { weight: 2, arbitrary: nastyString(8) },
      { weight: 1, arbitrary: veryLong },
      { weight: 1, arbitrary: fc.constantFrom("", "127.0.0.1", "::1", "localhost") },
    );
    await fuzz("tls-sni", sni, async (name) => {
      const got = await handshake(name);
      const mine = [...fingerprints.entries()].find(([n]) => n === name.toLowerCase())?.[1];
      // (Other names get the router's first certificate, which may be another test file's: the table is shared.)
      if (mine && got !== "client-refused") expect(got, JSON.stringify(name)).toBe(mine);
      return got === "client-refused" || got === "refused" || got === "timeout" ? got : mine ? "own" : "default";
    });
    // Still up, and still serving each name its own certificate.
    expect((await request(router.adminPort, "localhost", "/healthz")).status).toBe(200);
    for (const name of names) expect(await handshake(name)).toBe(fingerprints.get(name));
  },
  fuzzTimeout(10),
);

it(
  "random ACME challenge tokens: the stored answer for its exact token only, a 404 for anything else, never a 5xx",
  async () => {
    const suffix = fc.oneof(
      { weight: 2, arbitrary: fc.tuple(fc.constantFrom(token, token.toUpperCase(), token.slice(0, -1), ""), nastyString(4)).map(([t, s]) => `${t}${s}`) },
      { weight: 2, arbitrary: nastyString(10) },
      { weight: 1, arbitrary: veryLong },
      { weight: 1, arbitrary: fc.constantFrom(`${token}/`, `${token}?x=1`, `../${token}`, `%2e%2e/${token}`, `${token}%00`, `${encodeURIComponent(token)}`) },
    );
    await fuzz("acme-challenges", suffix, async (raw) => {
      const pathname = `/.well-known/acme-challenge/${sendable(raw).replace(/[\s#]/g, encodeURIComponent)}`;
      const reply = await request(router.port, names[0], pathname).catch((e: Error) => ({ status: -1, body: Buffer.from(e.message), headers: {} }));
      const what = JSON.stringify(pathname).slice(0, 200);
      expect(reply.status, what).not.toBe(-1);
      expect(reply.status, what).toBeLessThan(500);
      const exact = pathname === `/.well-known/acme-challenge/${token}`;
      if (reply.status === 200) {
        expect(exact, `${what} answered 200`).toBe(true);
        expect(reply.body.toString(), what).toBe(`${token}.thumbprint`);
      } else if (exact) {
        throw new Error(`${what} answered ${reply.status}`);
      }
      return String(reply.status);
    });
  },
  fuzzTimeout(5),
);
