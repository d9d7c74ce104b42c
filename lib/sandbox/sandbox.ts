import { NODE_BINARY } from "@/lib/platform/runtimes";
import { existsSync, lstatSync, readlinkSync } from "node:fs";
import path from "node:path";
import { createCgroup, type LimitHit } from "@/lib/sandbox/cgroup";
import type { HostPort } from "@/lib/sandbox/egress-rules";
import { openNetwork, type SandboxNetwork } from "@/lib/sandbox/network";
import { toolPath } from "@/lib/sandbox/sandbox-mode";
import { sandboxEtc, SYSTEM_ETC } from "@/lib/sandbox/system-etc";

// The one sandbox every process of user code runs in: install, build and
// migrate steps, server functions, app servers. Built on bubblewrap (mount,
// user, PID, IPC, UTS and cgroup namespaces), a network namespace of its own
// (or one the steps of a single build share) with slirp4netns egress behind
// nftables rules (network.ts), a control group (cgroup.ts) and rlimits. What
// a sandboxed process gets:
//
// - User: the project's uid/gid (SANDBOX_UID_BASE + the project's number),
//   not root and not the platform's; no supplementary groups; no new
//   privileges (bwrap sets PR_SET_NO_NEW_PRIVS, so setuid files give
//   nothing); no capabilities; no further user namespaces.
// - Files: /usr (and /bin, /lib*, /sbin as the host has them) and the Node
//   runtime read-only, a few harmless /etc files and a generated passwd/
//   group/hosts/resolv.conf, a private /proc, a minimal /dev, a private /tmp
//   of bounded size, and exactly the mounts it is given. Not DATA_DIR, the
//   store, Slipway's checkout, /root or other workspaces: they are not there.
// - Processes: PID 1 of its own PID namespace is bubblewrap; it sees and can
//   signal only its own processes; when the process that started it dies,
//   the whole namespace is killed by the kernel (--die-with-parent), escapees
//   (setsid, double forks) included.
// - Network: egress to the internet only (egress-rules.ts).
// - Limits: memory and process count by the control group where the machine
//   has one (else the process count by RLIMIT_NPROC, per project uid), file
//   size by RLIMIT_FSIZE, no core dumps, 4096 open files.
//
// The chain it returns is started as root: a fixed /bin/sh prelude that puts
// itself in the control group, prlimit, nsenter into the network namespace,
// setpriv to the project's uid, bwrap, the command. Every element is an
// argument; no shell command is built from anything a user supplied.
export type Mount = { from: string; to: string; writable?: boolean };

export type SandboxLimits = {
  memoryMb: number;
  pids: number;
  /** Largest file a process may write (RLIMIT_FSIZE). */
  fileSizeMb: number;
  /** Size of the private /tmp. */
  tmpMb: number;
  /** The setting that sets memoryMb, named when the limit is hit. */
  memorySetting: string;
};

export type SandboxSpec = {
  /** Names the sandbox's network namespace and control group; letters, digits, "-". */
  label: string;
  uid: number;
  mounts: Mount[];
  cwd: string;
  argv: string[];
  env: Record<string, string>;
  limits: SandboxLimits;
  allow: HostPort[];
  /**
   * A network (openNetwork([])) the caller shares between its sandboxes and
   * closes itself, e.g. the steps of one build; without an allow list. When
   * absent, the sandbox opens one of its own for `allow` and closes it.
   */
  network?: Promise<SandboxNetwork>;
};

export type Sandbox = {
  /** Spawn this (as root): file, args and exactly this environment. */
  file: string;
  /** Its network namespace (a path under /run/netns), gone after close() unless it was the caller's. */
  netns: string;
  args: string[];
  env: Record<string, string>;
  /** After the process ended: which limit stopped it, as a sentence, or null. */
  limitMessage(signal?: string | null): Promise<string | null>;
  /** Resident memory of every process in the sandbox, in KB (null without a control group). */
  memoryKb(): Promise<number | null>;
  close(): Promise<void>;
};

// Joins the control group (every `procs` file before "--"), then execs the rest. dash exports PWD, which is not ours to add.
const PRELUDE = 'while [ "$1" != -- ]; do echo $$ > "$1" || exit 126; shift; done; shift; unset PWD; exec "$@"';

/** The PATH inside a sandbox: the Node runtime first, then the system's. */
export const SANDBOX_PATH = `${path.dirname(NODE_BINARY)}:/usr/local/bin:/usr/bin:/bin`;

let groups = 0;

export async function openSandbox(spec: SandboxSpec): Promise<Sandbox> {
  if (!/^[A-Za-z0-9-]{1,60}$/.test(spec.label)) throw new TypeError(`invalid sandbox label ${JSON.stringify(spec.label)}`);
  if (!Number.isInteger(spec.uid) || spec.uid < 1000) throw new TypeError(`invalid sandbox uid ${spec.uid}`);
  const etc = sandboxEtc(spec.uid);
  // A name of its own: the group of a step that just ended may still be going away.
  const groupName = `${spec.label}-${process.pid}-${(++groups).toString(36)}`;
  if (spec.network && spec.allow.length > 0) throw new TypeError("a shared sandbox network has no allow list");
  const ownNetwork = !spec.network;
  const [net, group] = await Promise.allSettled([spec.network ?? openNetwork(spec.allow), createCgroup(groupName, { memoryMb: spec.limits.memoryMb, pids: spec.limits.pids })]);
  if (net.status === "rejected" || group.status === "rejected") {
    if (group.status === "fulfilled") await group.value?.remove().catch(() => undefined);
    if (net.status === "fulfilled" && ownNetwork) await net.value.close();
    throw net.status === "rejected" ? net.reason : (group as PromiseRejectedResult).reason;
  }
  const network = net.value;
  const cgroup = group.value;
  const close = async () => {
    await cgroup?.remove().catch(() => undefined);
    if (ownNetwork) await network.close();
  };
  const mb = (n: number) => String(n * 1024 * 1024);
  const args = [
    "-c",
    PRELUDE,
    "slipway-sandbox",
    ...(cgroup?.procs ?? []),
    "--",
    toolPath("prlimit"),
    "--core=0",
    `--fsize=${mb(spec.limits.fileSizeMb)}`,
    "--nofile=4096",
    ...(cgroup ? [] : [`--nproc=${spec.limits.pids}`]),
    "--",
    toolPath("nsenter"),
    `--net=${network.nsPath}`,
    "--",
    toolPath("setpriv"),
    `--reuid=${spec.uid}`,
    `--regid=${spec.uid}`,
    "--clear-groups",
    "--",
    toolPath("bwrap"),
    ...bwrapArgs(spec, etc),
    "--",
    ...spec.argv,
  ];
  return {
    file: "/bin/sh",
    netns: network.nsPath,
    args,
    env: spec.env,
    memoryKb: async () => (cgroup ? cgroup.memoryKb() : null),
    limitMessage: async (signal) => describeHits(cgroup ? await cgroup.hits() : [], signal ?? null, spec.limits),
    close,
  };
}

function describeHits(hits: LimitHit[], signal: string | null, limits: SandboxLimits): string | null {
  if (hits.includes("memory")) return `it used more than its memory limit of ${limits.memoryMb} MB (${limits.memorySetting}) and was killed.`;
  if (hits.includes("pids")) return `it reached its limit of ${limits.pids} processes and threads (SANDBOX_PIDS).`;
  if (signal === "SIGXFSZ") return `it wrote a file larger than its limit of ${limits.fileSizeMb} MB.`;
  return null;
}

function bwrapArgs(spec: SandboxSpec, etcDir: string): string[] {
  const args = [
    "--unshare-user",
    "--uid",
    String(spec.uid),
    "--gid",
    String(spec.uid),
    "--disable-userns",
    "--unshare-pid",
    "--unshare-ipc",
    "--unshare-uts",
    "--unshare-cgroup-try",
    "--hostname",
    "sandbox",
    "--die-with-parent",
    "--new-session",
    "--ro-bind",
    "/usr",
    "/usr",
  ];
  for (const top of ["/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"]) {
    const kind = kindOf(top);
    if (kind === "symlink") args.push("--symlink", readlinkSync(top), top);
    else if (kind === "dir") args.push("--ro-bind", top, top);
  }
  // The Node runtime, where it lives outside /usr (nvm, /opt/node, ...).
  const nodePrefix = path.dirname(path.dirname(NODE_BINARY));
  if (!nodePrefix.startsWith("/usr/") && nodePrefix !== "/usr" && nodePrefix !== "/") args.push("--ro-bind", nodePrefix, nodePrefix);
  args.push("--proc", "/proc", "--dev", "/dev", "--size", String(spec.limits.tmpMb * 1024 * 1024), "--tmpfs", "/tmp", "--dir", "/etc");
  for (const name of ["passwd", "group", "hosts", "resolv.conf", "nsswitch.conf"]) args.push("--ro-bind", path.join(etcDir, name), `/etc/${name}`);
  for (const name of SYSTEM_ETC) if (existsSync(`/etc/${name}`)) args.push("--ro-bind", `/etc/${name}`, `/etc/${name}`);
  for (const m of spec.mounts) args.push(m.writable ? "--bind" : "--ro-bind", m.from, m.to);
  // The sandbox's own root (a tmpfs holding the mount points) is read-only too.
  args.push("--remount-ro", "/", "--chdir", spec.cwd);
  return args;
}

function kindOf(p: string): "symlink" | "dir" | null {
  try {
    const st = lstatSync(p);
    return st.isSymbolicLink() ? "symlink" : st.isDirectory() ? "dir" : null;
  } catch {
    return null;
  }
}
