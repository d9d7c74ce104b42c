import { renderToStaticMarkup } from "react-dom/server";
import { afterEach, describe, expect, it } from "vitest";
import { SandboxBanner, SandboxWarning } from "@/components/shell/sandbox-banner";

const reason =
  "The sandbox for user code is unavailable: bwrap is missing (Debian: apt-get install bubblewrap). Builds and functions do not run until it is fixed, or set SLIPWAY_SANDBOX=off to run them unsandboxed.";

describe("SandboxBanner", () => {
  const saved = process.env.SLIPWAY_SANDBOX;
  afterEach(() => {
    if (saved === undefined) delete process.env.SLIPWAY_SANDBOX;
    else process.env.SLIPWAY_SANDBOX = saved;
  });

  it("renders an alert naming the setting when SLIPWAY_SANDBOX=off", async () => {
    process.env.SLIPWAY_SANDBOX = "off";
    const html = renderToStaticMarkup(await SandboxBanner());
    expect(html).toContain('role="alert"');
    expect(html).toContain("The sandbox is off (SLIPWAY_SANDBOX=off)");
  });

  it("renders nothing when the sandbox is on", () => {
    expect(renderToStaticMarkup(<SandboxWarning mode={{ state: "on" }} />)).toBe("");
  });

  it("renders the reason when the sandbox is unavailable", () => {
    const html = renderToStaticMarkup(<SandboxWarning mode={{ state: "unavailable", reason }} />);
    expect(html).toContain('role="alert"');
    expect(html).toContain("bwrap is missing (Debian: apt-get install bubblewrap)");
  });
});
