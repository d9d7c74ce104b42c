import { z } from "zod";
import { verifyPassword } from "@/lib/auth/password";
import { checkSignInThrottle, clearAccountFailures, recordSignInFailure, SignInThrottled } from "@/lib/auth/sign-in-throttle";
import type { Db } from "@/lib/db/client";

const input = z.object({ email: z.string().trim().toLowerCase().max(254), password: z.string().max(200) });

// A precomputed hash so an unknown email costs the same scrypt time as a known one.
const DUMMY_HASH =
  "scrypt$32768$8$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";

// Email and password, throttled per account and per client address
// (lib/auth/sign-in-throttle.ts): a throttled attempt throws SignInThrottled
// without checking the password at all.
export async function verifyCredentials(db: Db, raw: unknown, ip = "unknown", now = new Date()) {
  const parsed = input.safeParse(raw);
  if (!parsed.success) return null;
  const who = { email: parsed.data.email, ip };
  const state = await checkSignInThrottle(db, who, now);
  if (state.blocked) throw new SignInThrottled(state.retryAfterSec);
  const user = await db.user.findUnique({ where: { email: parsed.data.email } });
  const ok = await verifyPassword(parsed.data.password, user?.passwordHash ?? DUMMY_HASH);
  if (!ok || !user) {
    await recordSignInFailure(db, who, now);
    return null;
  }
  await clearAccountFailures(db, parsed.data.email);
  return { id: user.id, email: user.email, name: user.name };
}
