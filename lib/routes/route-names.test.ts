import { describe, expect, it } from "vitest";
import { branchRouteName } from "@/lib/routes/route-names";

describe("branchRouteName", () => {
  it("uses a clean branch name as it is", () => {
    expect(branchRouteName("demo", "feature-x")).toBe("demo-git-feature-x");
  });

  it("gives branches that need cleaning a hash, so they never collide", () => {
    const a = branchRouteName("demo", "feat/login");
    const b = branchRouteName("demo", "feat-login");
    expect(a).toMatch(/^demo-git-feat-login-[0-9a-f]{6}$/);
    expect(b).toBe("demo-git-feat-login");
    expect(a).not.toBe(b);
    expect(branchRouteName("demo", "Feat/Login")).not.toBe(a);
  });

  it("keeps every name a valid DNS label", () => {
    for (const branch of ["a".repeat(100), "x/../y", "UPPER", "v1.2.3", "-", "___"]) {
      const name = branchRouteName("my-project", branch);
      expect(name.length).toBeLessThanOrEqual(63);
      expect(name).toMatch(/^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/);
    }
  });
});
