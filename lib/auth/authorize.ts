import type { Ctx } from "@/lib/auth/ctx";
import { type Action, POLICY, can, lowerOf } from "@/lib/auth/roles";
import { forbidden, notFound } from "@/lib/errors/app-error";
import type { Role } from "@/lib/generated/prisma/enums";
import type { Tx } from "@/lib/db/client";

// Resolves the actor's role in a team and checks it against the action's policy.
// Someone outside the team learns nothing: the team is "not found" to them.
export async function authorize(ctx: Ctx, teamId: string, action: Action, tx: Tx = ctx.db): Promise<Role> {
  const { actor } = ctx;
  if (actor.kind === "system") return "owner";
  if (actor.kind === "token" && actor.teamId !== teamId) throw notFound("Team");
  const membership = await tx.membership.findUnique({
    where: { teamId_userId: { teamId, userId: actor.userId } },
    select: { role: true },
  });
  if (!membership) throw notFound("Team");
  const role = actor.kind === "token" ? lowerOf(membership.role, actor.role) : membership.role;
  if (!can(role, action)) {
    throw forbidden(`Your role (${role}) cannot do this; it needs ${POLICY[action]} or above.`);
  }
  return role;
}
