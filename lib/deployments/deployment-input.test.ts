import { describe, expect, it } from "vitest";
import { deployInput, durationMs } from "@/lib/deployments/deployment-input";

describe("deploy input: seed 003's modes", () => {
  it("takes a fixed lifetime in minutes, hours or days, between 1 minute and 90 days", () => {
    expect(durationMs("30m")).toBe(30 * 60_000);
    expect(durationMs("12h")).toBe(12 * 3_600_000);
    expect(durationMs("7d")).toBe(7 * 86_400_000);
    expect(deployInput.parse({ expiresIn: "90d" }).expiresIn).toBe("90d");
    for (const bad of ["0m", "91d", "1s", "2 h", "-1h", "1.5h", "h", "100000d"]) {
      const r = deployInput.safeParse({ expiresIn: bad });
      expect(r.success, bad).toBe(false);
    }
    expect(deployInput.safeParse({ expiresIn: "91d" }).error?.issues[0].message).toBe("expiresIn must be between 1 minute and 90 days.");
    expect(deployInput.safeParse({ expiresIn: "soon" }).error?.issues[0].message).toBe('expiresIn must be a duration like "30m", "12h" or "7d".');
  });

  it("takes debug as a boolean, or as the query string spells it", () => {
    expect(deployInput.parse({ debug: true }).debug).toBe(true);
    expect(deployInput.parse({ debug: "true" }).debug).toBe(true);
    expect(deployInput.parse({ debug: "1" }).debug).toBe(true);
    expect(deployInput.parse({ debug: "false" }).debug).toBe(false);
    expect(deployInput.parse({}).debug).toBeUndefined();
    expect(deployInput.safeParse({ debug: "yes" }).error?.issues[0].message).toBe("debug must be true or false.");
  });
});
