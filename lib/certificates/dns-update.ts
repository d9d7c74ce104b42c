import { spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { DnsUpdateSettings } from "@/lib/certificates/acme-settings";
import { toolPath } from "@/lib/sandbox/sandbox-mode";

// RFC 2136 dynamic updates through nsupdate (Debian package bind9-dnsutils),
// BIND's own client: it signs with TSIG, falls back to TCP and reports the
// server's refusals in words, which a hand-written client would have to redo.
// Nothing from a request reaches it: the names come from the configuration
// (validated there) and the values are ACME digests (base64url), both checked
// again here, and the key goes in a private file, never on a command line.
export const NSUPDATE_HINT = "nsupdate is missing (Debian: apt-get install bind9-dnsutils)";

const NAME = /^(\*\.)?[a-z0-9_]([a-z0-9_.-]*[a-z0-9])?$/;
const VALUE = /^[A-Za-z0-9_-]{1,200}$/;

export type TxtChange = { op: "add" | "delete"; name: string; value: string };

export async function updateTxt(dns: DnsUpdateSettings, change: TxtChange, timeoutMs = 30_000): Promise<void> {
  if (!NAME.test(change.name) || !VALUE.test(change.value)) throw new Error(`refused to send an update for ${JSON.stringify(change.name)}: not a name and ACME value`);
  const dir = await mkdtemp(path.join(os.tmpdir(), "slipway-nsupdate-"));
  try {
    const args: string[] = [];
    if (dns.tsig) {
      const keyFile = path.join(dir, "tsig.key");
      await writeFile(keyFile, `key "${dns.tsig.name}" { algorithm ${dns.tsig.algorithm}; secret "${dns.tsig.secret}"; };\n`, { mode: 0o600 });
      args.push("-k", keyFile);
    }
    const record = change.op === "add" ? `update add ${change.name}. 60 TXT "${change.value}"` : `update delete ${change.name}. TXT "${change.value}"`;
    const script = [`server ${dns.host} ${dns.port}`, `zone ${dns.zone}.`, record, "send", ""].join("\n");
    await run("nsupdate", [...args], script, timeoutMs);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function run(command: string, args: string[], input: string, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(toolPath(command), args, { stdio: ["pipe", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (c: Buffer) => (output += c.toString()));
    child.stderr.on("data", (c: Buffer) => (output += c.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("error", (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(new Error(e.code === "ENOENT" ? NSUPDATE_HINT : `nsupdate could not run: ${e.message}`));
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      if (code === 0) return resolve();
      const said = output.trim().split("\n").slice(-3).join(" ").slice(0, 500);
      reject(new Error(`the DNS update was refused (${signal ? `nsupdate killed after ${timeoutMs / 1000} s` : `nsupdate exit ${code}`}): ${said || "no message"}`));
    });
    child.stdin.end(input);
  });
}
