import { getServerSession } from "next-auth";
import { authOptions } from "@/lib/auth/next-auth-options";
import { type Ctx, userCtx } from "@/lib/auth/ctx";
import { db } from "@/lib/db/client";

// The ctx of the signed-in user of this request, or null when signed out.
export async function sessionCtx(): Promise<Ctx | null> {
  const session = await getServerSession(authOptions);
  const userId = session?.user?.id;
  if (!userId) return null;
  const exists = await db().user.findUnique({ where: { id: userId }, select: { id: true } });
  return exists ? userCtx(db(), userId) : null;
}
