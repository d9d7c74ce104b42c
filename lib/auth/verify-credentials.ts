import { z } from "zod";
import { verifyPassword } from "@/lib/auth/password";
import type { Db } from "@/lib/db/client";

const input = z.object({ email: z.string().trim().toLowerCase().max(254), password: z.string().max(200) });

// A precomputed hash so an unknown email costs the same scrypt time as a known one.
const DUMMY_HASH =
  "scrypt$32768$8$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";

export async function verifyCredentials(db: Db, raw: unknown) {
  const parsed = input.safeParse(raw);
  if (!parsed.success) return null;
  const user = await db.user.findUnique({ where: { email: parsed.data.email } });
  const ok = await verifyPassword(parsed.data.password, user?.passwordHash ?? DUMMY_HASH);
  return ok && user ? { id: user.id, email: user.email, name: user.name } : null;
}
