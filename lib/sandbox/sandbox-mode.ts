import { execFile } from "node:child_process";
import { accessSync, constants, readFileSync } from "node:fs";
import { promisify } from "node:util";

const run = promisify(execFile);

// Whether user code can be sandboxed on this machine, decided once per
// process. Slipway never runs user code unsandboxed by surprise: without a
// working sandbox, builds fail and functions answer 503 with `reason`, unless
// the operator opted out with SLIPWAY_SANDBOX=off.
export type SandboxMode = { state: "on" } | { state: "off" } | { state: "unavailable"; reason: string };

export const INSTALL_HINT = "apt-get install bubblewrap slirp4netns nftables";
const TOOLS: [string, string][] = [
  ["bwrap", "bubblewrap"],
  ["slirp4netns", "slirp4netns"],
  ["nft", "nftables"],
  ["ip", "iproute2"],
  ["nsenter", "util-linux"],
  ["setpriv", "util-linux"],
  ["prlimit", "util-linux"],
  ["sysctl", "procps"],
  ["mount", "mount"],
];
const PATH_DIRS = ["/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"];

let cached: Promise<SandboxMode> | null = null;

export function sandboxMode(setting: "on" | "off" = process.env.SLIPWAY_SANDBOX?.trim() === "off" ? "off" : "on"): Promise<SandboxMode> {
  if (setting === "off") return Promise.resolve({ state: "off" });
  cached ??= probe();
  return cached;
}

async function probe(): Promise<SandboxMode> {
  const missing = TOOLS.filter(([tool]) => !onPath(tool));
  if (missing.length) {
    const packages = [...new Set(missing.map(([, pkg]) => pkg))];
    return unavailable(`${missing.map(([t]) => t).join(", ")} ${missing.length === 1 ? "is" : "are"} missing (Debian: apt-get install ${packages.join(" ")})`);
  }
  if (process.getuid?.() !== 0) {
    return unavailable("Slipway is not running as root, which the sandbox needs to give each project its own user and network namespace");
  }
  let maxUserNs = "";
  try {
    maxUserNs = readFileSync("/proc/sys/user/max_user_namespaces", "utf8").trim();
  } catch {
    return unavailable("this kernel has no user namespaces (/proc/sys/user/max_user_namespaces is missing)");
  }
  if (maxUserNs === "0") return unavailable("user namespaces are disabled (sysctl user.max_user_namespaces=0)");
  try {
    // bubblewrap as an unprivileged user, as every sandbox starts it.
    await run("setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups", "--", "bwrap", "--unshare-user", "--unshare-pid", "--ro-bind", "/", "/", "--", "/usr/bin/true"], {
      timeout: 10_000,
    });
  } catch (err) {
    const text = ((err as { stderr?: string }).stderr || (err as Error).message).trim().split("\n")[0];
    return unavailable(`bubblewrap cannot create a sandbox here (${text}); unprivileged user namespaces may be disabled`);
  }
  return { state: "on" };
}

function unavailable(why: string): SandboxMode {
  return { state: "unavailable", reason: `The sandbox for user code is unavailable: ${why}. Builds and functions do not run until it is fixed, or set SLIPWAY_SANDBOX=off to run them unsandboxed.` };
}

function onPath(tool: string): boolean {
  return toolPath(tool) !== tool;
}

/** The absolute path of a system tool (the platform's PATH may lack /usr/sbin), or its bare name. */
export function toolPath(tool: string): string {
  for (const dir of PATH_DIRS) {
    try {
      accessSync(`${dir}/${tool}`, constants.X_OK);
      return `${dir}/${tool}`;
    } catch {
      // next
    }
  }
  return tool;
}
