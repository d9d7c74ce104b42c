import type { Role } from "@/lib/generated/prisma/enums";

export const ROLES = ["owner", "admin", "developer", "viewer"] as const satisfies readonly Role[];

const RANK: Record<Role, number> = { viewer: 0, developer: 1, admin: 2, owner: 3 };

export const atLeast = (role: Role, min: Role) => RANK[role] >= RANK[min];
export const lowerOf = (a: Role, b: Role): Role => (RANK[a] <= RANK[b] ? a : b);

// What each role may do; verbs ask for the minimum role of their action.
export const POLICY = {
  "project.read": "viewer",
  "project.create": "developer",
  "project.update": "admin",
  "member.read": "viewer",
  "member.invite": "admin",
  "member.changeRole": "admin",
  "deployment.create": "developer",
  "deployment.cancel": "developer",
  "deployment.promote": "developer",
  // Pause, resume, abort or promote now a canary rollout.
  "rollout.control": "developer",
  "env.read": "developer",
  "env.write": "developer",
  "env.writeProduction": "admin",
  "token.read": "admin",
  "token.create": "admin",
  "token.revoke": "admin",
  // Custom domains: anyone in the team sees them; adding, verifying and removing one changes what a host name serves.
  "domain.read": "viewer",
  "domain.write": "admin",
  "audit.read": "admin",
  // Runtime logs: what the apps printed and which requests they served (values of variables are masked, but apps print what they like).
  "logs.read": "developer",
} as const satisfies Record<string, Role>;

export type Action = keyof typeof POLICY;

export const can = (role: Role, action: Action) => atLeast(role, POLICY[action]);
