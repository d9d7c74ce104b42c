import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { toolPath } from "@/lib/sandbox/sandbox-mode";
import { freePort } from "@/lib/platform/free-port";

// BIND (Debian package bind9), the DNS server operators run, as the primary of
// one zone on a free loopback port, accepting RFC 2136 updates signed with a
// fresh TSIG key: the real server for DNS-01 tests (Pebble asks it for the TXT records).
export type Named = { port: number; address: string; zone: string; tsigKey: string; close: () => Promise<void> };

export async function startNamed(zone: string): Promise<Named> {
  const dir = mkdtempSync(path.join(os.tmpdir(), "named-"));
  const port = await freePort();
  const secret = randomBytes(32).toString("base64");
  writeFileSync(
    path.join(dir, "named.conf"),
    `options { directory "${dir}"; listen-on port ${port} { 127.0.0.1; }; listen-on-v6 { none; }; recursion no; pid-file "${dir}/named.pid"; dnssec-validation no; };
key "slipway-test" { algorithm hmac-sha256; secret "${secret}"; };
zone "${zone}" { type primary; file "${dir}/zone.db"; allow-update { key "slipway-test"; }; };
`,
  );
  writeFileSync(path.join(dir, "zone.db"), `$TTL 60\n@ IN SOA ns.${zone}. admin.${zone}. 1 60 60 600 60\n@ IN NS ns.${zone}.\nns IN A 127.0.0.1\n`);
  const child = spawn(toolPath("named"), ["-g", "-c", path.join(dir, "named.conf")], { stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  const close = async () => {
    if (child.exitCode === null && child.pid !== undefined) {
      child.kill("SIGTERM");
      await new Promise((r) => child.once("exit", r));
    }
    rmSync(dir, { recursive: true, force: true });
  };
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`named did not start:\n${output}`)), 15_000);
    const onData = (c: Buffer) => {
      output += c.toString();
      if (/\brunning\b/.test(output)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`named exited (${code}):\n${output}`));
    });
    child.once("error", (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(new Error(e.code === "ENOENT" ? "named is missing (Debian: apt-get install bind9; .ci/run installs it)" : e.message));
    });
  }).catch(async (e) => {
    await close();
    throw e;
  });
  return { port, address: `127.0.0.1:${port}`, zone, tsigKey: `hmac-sha256:slipway-test:${secret}`, close };
}
