import type { Role } from "@/lib/generated/prisma/enums";

export const ROLE_LABEL: Record<Role, string> = {
  owner: "Owner",
  admin: "Admin",
  developer: "Developer",
  viewer: "Viewer",
};

// The roles an actor may hand out: only owners grant ownership (lib/teams/change-member-role.ts).
export function assignableRoles(actorRole: Role): Role[] {
  return actorRole === "owner" ? ["owner", "admin", "developer", "viewer"] : ["admin", "developer", "viewer"];
}
