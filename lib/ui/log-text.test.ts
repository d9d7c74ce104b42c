import { describe, expect, it } from "vitest";
import { displayLogText } from "@/lib/ui/log-text";

describe("displayLogText", () => {
  it("leaves plain text alone", () => {
    expect(displayLogText("  > vite build")).toBe("  > vite build");
    expect(displayLogText("")).toBe("");
  });

  it("removes colour and cursor codes", () => {
    expect(displayLogText("\x1b[32m✓\x1b[39m 42 modules transformed.")).toBe("✓ 42 modules transformed.");
    expect(displayLogText("\x1b[1m\x1b[2Kdone\x1b[0m")).toBe("done");
    expect(displayLogText("\x1b]8;;https://example.com\x07link\x1b]8;;\x07")).toBe("link");
  });

  it("keeps the last redraw of a carriage-return progress line", () => {
    expect(displayLogText("10%\r50%\r100%")).toBe("100%");
    expect(displayLogText("done\r\n")).toBe("done");
  });
});
