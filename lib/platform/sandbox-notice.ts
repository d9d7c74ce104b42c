import type { SandboxMode } from "@/lib/sandbox/sandbox-mode";

// What the operator is told about the sandbox: one start-up line, and the
// console's warning on every page while user code would run unsandboxed (off)
// or not at all (unavailable).

export function sandboxStartLine(mode: SandboxMode): string {
  if (mode.state === "on") return "sandbox   on (bubblewrap, slirp4netns, nftables)";
  if (mode.state === "off") return "sandbox   OFF (SLIPWAY_SANDBOX=off): builds and functions run with Slipway's own privileges";
  return `sandbox   WARNING: ${mode.reason}`;
}

export function sandboxWarning(mode: SandboxMode): string | null {
  if (mode.state === "on") return null;
  if (mode.state === "off") {
    return "The sandbox is off (SLIPWAY_SANDBOX=off): builds and functions run with Slipway's own privileges, so any deployed code can read the platform's secrets and every team's data.";
  }
  return mode.reason;
}
