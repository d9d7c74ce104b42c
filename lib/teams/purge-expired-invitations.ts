import type { Ctx } from "@/lib/auth/ctx";
import { forbidden } from "@/lib/errors/app-error";

// Housekeeping for the worker: unaccepted invitations past their expiry are useless.
export async function purgeExpiredInvitations({ ctx, now = new Date() }: { ctx: Ctx; now?: Date }) {
  if (ctx.actor.kind !== "system") throw forbidden();
  const { count } = await ctx.db.invitation.deleteMany({ where: { acceptedAt: null, expiresAt: { lt: now } } });
  return { purged: count };
}
