import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import https from "node:https";
import os from "node:os";
import path from "node:path";
import { childEnv } from "@/lib/platform/child-env";
import { freePort } from "@/lib/platform/free-port";

// Pebble (Let's Encrypt's RFC 8555 test CA, Debian package `pebble`) for
// tests: its ACME API on a free port over HTTPS with a certificate made here,
// its validation of HTTP-01 challenges sent to `httpPort` (the router's) and
// names resolved through `dnsPort` (lib/testing/dns-server.ts). `nonceReject`
// is the share of nonces it refuses on purpose (PEBBLE_WFE_NONCEREJECT).
export type Pebble = {
  directoryUrl: string;
  /** The PEM that Pebble's own HTTPS (the ACME API) is signed with: ACME_CA_FILE's content. */
  apiCa: string;
  /** The root that issued certificates chain to (for a TLS client checking the router). */
  issuingRoot: () => Promise<string>;
  close: () => Promise<void>;
};

function get(url: string, ca: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    https
      .get(url, { ca }, (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (c: string) => (body += c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
      })
      .on("error", reject);
  });
}

// Its ports and API certificate first (the platform's ACME_DIRECTORY_URL and
// ACME_CA_FILE), then start() once the router's HTTP port is known.
export async function preparePebble() {
  const dir = mkdtempSync(path.join(os.tmpdir(), "pebble-"));
  const [api, management, tlsPort] = [await freePort(), await freePort(), await freePort()];
  const caFile = path.join(dir, "cert.pem");
  execFileSync("openssl", [
    "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "2", "-subj", "/CN=pebble",
    "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1", "-keyout", path.join(dir, "key.pem"), "-out", caFile,
  ], { stdio: "ignore" });
  const apiCa = readFileSync(caFile, "utf8");
  const directoryUrl = `https://127.0.0.1:${api}/dir`;
  return {
    directoryUrl,
    caFile,
    apiCa,
    // `eab`: External Account Binding keys (kid → base64url HMAC key), then required; `blocklist`: names the CA refuses;
    // `validitySeconds`: the lifetime of the certificates it issues (Pebble's default: 5 years).
    async start(opts: { httpPort: number; dnsPort: number; nonceReject?: number; eab?: Record<string, string>; blocklist?: string[]; validitySeconds?: number }): Promise<Pebble> {
      writeFileSync(
        path.join(dir, "config.json"),
        JSON.stringify({
          pebble: {
            listenAddress: `127.0.0.1:${api}`,
            managementListenAddress: `127.0.0.1:${management}`,
            certificate: caFile,
            privateKey: path.join(dir, "key.pem"),
            httpPort: opts.httpPort,
            tlsPort,
            ocspResponderURL: "",
            externalAccountBindingRequired: opts.eab !== undefined,
            ...(opts.eab ? { externalAccountMACKeys: opts.eab } : {}),
            ...(opts.blocklist ? { domainBlocklist: opts.blocklist } : {}),
            ...(opts.validitySeconds ? { certificateValidityPeriod: opts.validitySeconds } : {}),
          },
        }),
      );
      const child = spawn("pebble", ["-config", path.join(dir, "config.json"), "-dnsserver", `127.0.0.1:${opts.dnsPort}`], {
        env: childEnv({ PATH: process.env.PATH, PEBBLE_VA_NOSLEEP: "1", PEBBLE_WFE_NONCEREJECT: String(opts.nonceReject ?? 0) }),
        stdio: ["ignore", "pipe", "pipe"],
      });
      let output = "";
      let missing = false;
      child.on("error", (e: NodeJS.ErrnoException) => {
        missing = e.code === "ENOENT";
        output += e.message;
      });
      child.stdout.on("data", (c: Buffer) => (output += c.toString()));
      child.stderr.on("data", (c: Buffer) => (output += c.toString()));
      const close = async () => {
        if (child.exitCode === null && !missing) {
          child.kill("SIGTERM");
          await new Promise((r) => child.once("exit", r));
        }
        rmSync(dir, { recursive: true, force: true });
      };
      const deadline = Date.now() + 15_000;
      for (;;) {
        if (missing) {
          await close();
          throw new Error("pebble is missing (Debian: apt-get install pebble; .ci/run installs it)");
        }
        if (child.exitCode !== null) {
          await close();
          throw new Error(`pebble exited:\n${output}`);
        }
        if (await get(directoryUrl, apiCa).then((r) => r.status === 200, () => false)) break;
        if (Date.now() > deadline) {
          await close();
          throw new Error(`pebble did not start:\n${output}`);
        }
        await new Promise((r) => setTimeout(r, 100));
      }
      return { directoryUrl, apiCa, issuingRoot: async () => (await get(`https://127.0.0.1:${management}/roots/0`, apiCa)).body, close };
    },
  };
}

export async function startPebble(opts: Parameters<Awaited<ReturnType<typeof preparePebble>>["start"]>[0]): Promise<Pebble> {
  return (await preparePebble()).start(opts);
}

// Pebble has no rate limits. This HTTPS front serves Pebble's directory with
// its newOrder pointing here, and answers every new order as Let's Encrypt
// answers one past a limit (RFC 8555 6.6: 429, a rateLimited problem,
// Retry-After); everything else (nonces, accounts) goes to Pebble itself.
export async function rateLimitingFront(pebble: Pebble, retryAfterSeconds: number) {
  const dir = mkdtempSync(path.join(os.tmpdir(), "ratelimit-"));
  execFileSync("openssl", [
    "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "2", "-subj", "/CN=front",
    "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", path.join(dir, "key.pem"), "-out", path.join(dir, "cert.pem"),
  ], { stdio: "ignore" });
  const ca = readFileSync(path.join(dir, "cert.pem"), "utf8");
  let orders = 0;
  let base = "";
  const server = https.createServer({ key: readFileSync(path.join(dir, "key.pem")), cert: ca }, (req, res) => {
    req.resume();
    if (req.method === "GET" && req.url === "/dir") {
      void get(pebble.directoryUrl, pebble.apiCa).then(({ body }) => {
        res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ ...JSON.parse(body), newOrder: `${base}/new-order` }));
      });
      return;
    }
    if (req.method === "POST" && req.url === "/new-order") {
      orders++;
      const detail = `too many certificates (5) already issued for this exact set of identifiers in the last 168h0m0s, retry after ${new Date(Date.now() + retryAfterSeconds * 1000).toISOString()}`;
      res.writeHead(429, { "content-type": "application/problem+json", "retry-after": String(retryAfterSeconds) });
      res.end(JSON.stringify({ type: "urn:ietf:params:acme:error:rateLimited", detail, status: 429 }));
      return;
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `https://127.0.0.1:${(server.address() as import("node:net").AddressInfo).port}`;
  return {
    directoryUrl: `${base}/dir`,
    /** Trust for both: this front's certificate and Pebble's API's. */
    ca: `${ca}\n${pebble.apiCa}`,
    orders: () => orders,
    close: async () => {
      await new Promise((r) => server.close(r));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
