import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { findLeakedSecrets } from "@/lib/build/stages/scan-for-secrets";
import type { ManifestEntry } from "@/lib/bundles/build-manifest";

const SECRET = "sk_live_9f8e7d6c5b4a";

function bundle(files: Record<string, string | Buffer>) {
  const dir = mkdtempSync(path.join(os.tmpdir(), "slipway-scan-"));
  const entries: ManifestEntry[] = [];
  for (const [name, body] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    writeFileSync(path.join(dir, name), body);
    entries.push({ path: name, size: Buffer.byteLength(body), sha256: "", contentType: "" });
  }
  return { dir, entries };
}

const vars = [
  { key: "API_SECRET", value: SECRET, sensitive: true, mutable: false },
  { key: "PUBLIC_GREETING", value: "hello there world", sensitive: false, mutable: false },
  { key: "SHORT", value: "abc", sensitive: true, mutable: false },
];

describe("findLeakedSecrets", () => {
  it("finds a sensitive value in a browser-served file, as written or encoded, and names the variable and file", async () => {
    const password = { key: "DB_PASSWORD", value: "p@ss/w0rd+more", sensitive: true, mutable: false };
    for (const [value, form] of [
      [SECRET, SECRET],
      [SECRET, Buffer.from(SECRET).toString("base64")],
      [password.value, "p%40ss%2Fw0rd%2Bmore"],
    ]) {
      const { dir, entries } = bundle({ "index.html": "<h1>hello there world</h1>", "assets/app.js": `const k = "${form}";` });
      const key = value === SECRET ? "API_SECRET" : "DB_PASSWORD";
      expect(await findLeakedSecrets(dir, entries, [...vars, password])).toEqual([{ key, path: "assets/app.js" }]);
    }
  });

  it("finds a multi-line value as a bundler inlines it (JSON-escaped)", async () => {
    const pem = "-----BEGIN KEY-----\nMIIBOgIBAAJBAKj34GkxFhD90vcN\n-----END KEY-----";
    const { dir, entries } = bundle({ "main.js": `var key = ${JSON.stringify(pem)};` });
    expect(await findLeakedSecrets(dir, entries, [{ key: "PRIVATE_KEY", value: pem, sensitive: true, mutable: false }])).toEqual([{ key: "PRIVATE_KEY", path: "main.js" }]);
  });

  it("finds a value that straddles two 1 MiB read chunks", async () => {
    const body = Buffer.concat([Buffer.alloc((1 << 20) - 5, 0x61), Buffer.from(SECRET), Buffer.alloc(100, 0x62)]);
    const { dir, entries } = bundle({ "big.bin": body });
    expect(await findLeakedSecrets(dir, entries, vars)).toEqual([{ key: "API_SECRET", path: "big.bin" }]);
  });

  it("ignores server functions, non-sensitive values and values too short to scan", async () => {
    const { dir, entries } = bundle({
      "index.html": "hello there world abc",
      "api/secret.js": `export default () => new Response(process.env.API_SECRET ?? "${SECRET}");`,
    });
    expect(await findLeakedSecrets(dir, entries, vars)).toEqual([]);
  });
});
