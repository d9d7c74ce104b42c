import { execFile, spawn } from "node:child_process";
import { readdir } from "node:fs/promises";
import os from "node:os";
import type { Socket } from "node:net";
import type { Readable, Writable } from "node:stream";
import { promisify } from "node:util";
import { toolPath } from "@/lib/sandbox/sandbox-mode";
import { egressRuleset, type HostPort, isLoopback } from "@/lib/sandbox/egress-rules";
import { processAlive } from "@/lib/platform/process-alive";

const run = promisify(execFile);

// A network namespace of one sandbox, made as root before any user code runs:
// `ip netns add`, the egress rules (egress-rules.ts) loaded with nft inside
// it, then slirp4netns attached by path for user-mode egress (no host
// interface, route or firewall is touched). The sandbox is started inside it
// with nsenter; bubblewrap then creates its user namespace there, so the
// sandboxed process has no capability over this namespace and cannot change
// its rules.
//
// slirp4netns holds the read end of a pipe we keep (--exit-fd): when this
// process dies, even by SIGKILL, slirp exits. A namespace left by a dead
// process (its name carries the pid) is removed by the next sweep.
export const NETNS_DIR = "/run/netns";
const PREFIX = "slw-";
const READY_TIMEOUT_MS = 10_000;

export type SandboxNetwork = { nsPath: string; close(): Promise<void> };

let seq = 0;
let swept: Promise<void> | null = null;

// One network with no allow-list entries (the common case) is kept ready, so
// a build or a function host does not wait for ip, nft and slirp4netns:
// taking it starts the next one, or (refill: false) leaves that to the caller
// (refillSpareNetwork), e.g. once its own start-up is done, so that the
// processes of the next one do not slow it down. It holds nothing of ours (an
// idle namespace and its slirp4netns) and never keeps this process alive.
let spare: Promise<SandboxNetwork> | null = null;

export async function openNetwork(allow: HostPort[], opts: { refill?: boolean } = {}): Promise<SandboxNetwork> {
  if (allow.length > 0) return createNetwork(allow);
  const ready = spare;
  spare = null;
  if (opts.refill !== false) refillSpareNetwork();
  return (ready && (await ready.catch(() => null))) || createNetwork([]);
}

/** Starts making the spare network, unless one is ready or on its way. */
export function refillSpareNetwork(): void {
  if (spare) return;
  const next = createNetwork([], { detached: true });
  spare = next;
  next.catch(() => {
    if (spare === next) spare = null;
  });
}

async function createNetwork(allow: HostPort[], opts: { detached?: boolean } = {}): Promise<SandboxNetwork> {
  swept ??= sweepNetworks().catch(() => undefined);
  await swept;
  const name = `${PREFIX}${process.pid}-${(++seq).toString(36)}`;
  const nsPath = `${NETNS_DIR}/${name}`;
  await run(toolPath("ip"), ["netns", "add", name]);
  let slirp: ReturnType<typeof spawn> | null = null;
  const close = async () => {
    if (slirp) {
      (slirp.stdio[4] as Writable | null)?.destroy();
      slirp.kill("SIGKILL");
    }
    await run(toolPath("ip"), ["netns", "delete", name]).catch(() => undefined);
  };
  try {
    const ruleset = egressRuleset({ hostAddresses: hostAddresses(), allow });
    await runWithInput(toolPath("nsenter"), [`--net=${nsPath}`, toolPath("nft"), "-f", "-"], ruleset);
    const viaGateway = allow.some(({ host }) => isLoopback(host));
    if (viaGateway) await run(toolPath("nsenter"), [`--net=${nsPath}`, toolPath("sysctl"), "-qw", "net.ipv4.conf.all.route_localnet=1"]);
    const args = ["--configure", "--mtu=65520", ...(viaGateway ? [] : ["--disable-host-loopback"]), "--netns-type=path", "--ready-fd=3", "--exit-fd=4", nsPath, "tap0"];
    slirp = spawn(toolPath("slirp4netns"), args, { stdio: ["ignore", "ignore", "pipe", "pipe", "pipe"] });
    await waitReady(slirp);
    if (opts.detached) {
      slirp.unref();
      for (const s of slirp.stdio) (s as Partial<Socket> | null)?.unref?.();
    }
    return { nsPath, close };
  } catch (err) {
    await close();
    throw err;
  }
}

function waitReady(child: ReturnType<typeof spawn>): Promise<void> {
  return new Promise((resolve, reject) => {
    let stderr = "";
    const timer = setTimeout(() => done(new Error("slirp4netns did not configure the network in time")), READY_TIMEOUT_MS);
    const done = (err?: Error) => {
      clearTimeout(timer);
      if (err) reject(err);
      else resolve();
    };
    child.stderr!.on("data", (c: Buffer) => (stderr = (stderr + c.toString()).slice(-500)));
    (child.stdio[3] as Readable).once("data", () => done());
    child.once("error", (e) => done(new Error(`slirp4netns could not be started: ${e.message}`)));
    child.once("exit", (code) => done(new Error(`slirp4netns exited (${code}): ${stderr.trim() || "no message"}`)));
  });
}

function runWithInput(file: string, args: string[], input: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = execFile(file, args, { encoding: "utf8" }, (err, _out, stderr) => (err ? reject(new Error(`${args.join(" ")}: ${stderr.trim() || err.message}`)) : resolve()));
    child.stdin!.end(input);
  });
}

/** Every address of this machine's interfaces: a sandbox reaches none of them. */
function hostAddresses(): string[] {
  return Object.values(os.networkInterfaces())
    .flatMap((list) => list ?? [])
    .map((a) => a.address.replace(/%.*$/, ""));
}

/** Removes the namespaces of processes that are gone (a crashed worker or router). */
export async function sweepNetworks(): Promise<void> {
  const names = await readdir(NETNS_DIR).catch(() => [] as string[]);
  for (const name of names) {
    const m = new RegExp(`^${PREFIX}(\\d+)-`).exec(name);
    if (!m || processAlive(Number(m[1]))) continue;
    await run(toolPath("ip"), ["netns", "delete", name]).catch(() => undefined);
  }
}

