import { describe, expect, it } from "vitest";
import { sandboxStartLine, sandboxWarning } from "@/lib/platform/sandbox-notice";

const reason =
  "The sandbox for user code is unavailable: bwrap is missing (Debian: apt-get install bubblewrap). Builds and functions do not run until it is fixed, or set SLIPWAY_SANDBOX=off to run them unsandboxed.";

describe("sandboxStartLine", () => {
  it("names the tools when the sandbox is on", () => {
    expect(sandboxStartLine({ state: "on" })).toBe("sandbox   on (bubblewrap, slirp4netns, nftables)");
  });

  it("says OFF and what it means when the operator opted out", () => {
    expect(sandboxStartLine({ state: "off" })).toBe(
      "sandbox   OFF (SLIPWAY_SANDBOX=off): builds and functions run with Slipway's own privileges",
    );
  });

  it("warns with the reason, on one line, when the sandbox is unavailable", () => {
    const line = sandboxStartLine({ state: "unavailable", reason });
    expect(line).toBe(`sandbox   WARNING: ${reason}`);
    expect(line).not.toContain("\n");
  });
});

describe("sandboxWarning", () => {
  it("is empty when the sandbox is on", () => {
    expect(sandboxWarning({ state: "on" })).toBeNull();
  });

  it("names the setting when the sandbox is off", () => {
    expect(sandboxWarning({ state: "off" })).toMatch(/^The sandbox is off \(SLIPWAY_SANDBOX=off\): builds and functions run with Slipway's own privileges/);
  });

  it("is the reason when the sandbox is unavailable", () => {
    expect(sandboxWarning({ state: "unavailable", reason })).toBe(reason);
  });
});
