import { describe, expect, it } from "vitest";
import { atLeast, lowerOf, POLICY, ROLES } from "@/lib/auth/roles";

describe("roles", () => {
  it("ranks owner > admin > developer > viewer", () => {
    // ROLES is listed from most to least powerful.
    for (const [i, role] of ROLES.entries()) {
      for (const [j, other] of ROLES.entries()) expect(atLeast(role, other)).toBe(i <= j);
    }
  });

  it("caps a token at the lower of its role and its creator's", () => {
    expect(lowerOf("owner", "viewer")).toBe("viewer");
    expect(lowerOf("developer", "admin")).toBe("developer");
    expect(lowerOf("admin", "admin")).toBe("admin");
  });

  it("keeps member management for admins and creation for developers", () => {
    expect(POLICY).toMatchObject({
      "project.read": "viewer",
      "project.create": "developer",
      "member.read": "viewer",
      "member.invite": "admin",
      "member.changeRole": "admin",
      "rollout.control": "developer",
    });
  });
});
