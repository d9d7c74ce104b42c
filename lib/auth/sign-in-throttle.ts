import type { Db } from "@/lib/db/client";

// Sign-in throttling, kept in Postgres so every console process counts the same
// failures. Per account (the email as typed, lowercased, whether or not it
// exists, so the answer does not reveal which emails are real) at most 5
// failures in 15 minutes; per client address at most 30. Past either, sign-in
// is refused, even with the right password, until the oldest failure in the
// window ages out. A successful sign-in clears the account's failures.
export const THROTTLE = {
  account: { max: 5, windowSec: 15 * 60 },
  ip: { max: 30, windowSec: 15 * 60 },
} as const;

type Scope = keyof typeof THROTTLE;
export type Subjects = { email: string; ip: string };
export type ThrottleState = { blocked: false } | { blocked: true; retryAfterSec: number; scope: Scope };

export class SignInThrottled extends Error {
  constructor(readonly retryAfterSec: number) {
    const minutes = Math.max(1, Math.ceil(retryAfterSec / 60));
    super(`Too many failed sign-ins. Try again in ${minutes} minute${minutes === 1 ? "" : "s"}.`);
    this.name = "SignInThrottled";
  }
}

const subjectsOf = ({ email, ip }: Subjects): Array<[Scope, string]> => [
  ["account", email.trim().toLowerCase().slice(0, 254)],
  ["ip", ip.slice(0, 64)],
];

export async function checkSignInThrottle(db: Db, who: Subjects, now = new Date()): Promise<ThrottleState> {
  for (const [scope, subject] of subjectsOf(who)) {
    const { max, windowSec } = THROTTLE[scope];
    const since = new Date(now.getTime() - windowSec * 1000);
    const recent = await db.signInFailure.findMany({
      where: { scope, subject, createdAt: { gt: since } },
      orderBy: { createdAt: "desc" },
      take: max,
      select: { createdAt: true },
    });
    if (recent.length >= max) {
      // Free again when the max-th most recent failure leaves the window.
      const oldest = recent[max - 1].createdAt.getTime();
      return { blocked: true, scope, retryAfterSec: Math.max(1, Math.ceil((oldest + windowSec * 1000 - now.getTime()) / 1000)) };
    }
  }
  return { blocked: false };
}

export async function recordSignInFailure(db: Db, who: Subjects, now = new Date()) {
  const oldest = new Date(now.getTime() - Math.max(THROTTLE.account.windowSec, THROTTLE.ip.windowSec) * 1000);
  await db.$transaction([
    db.signInFailure.createMany({ data: subjectsOf(who).map(([scope, subject]) => ({ scope, subject, createdAt: now })) }),
    db.signInFailure.deleteMany({ where: { createdAt: { lt: oldest } } }),
  ]);
}

export async function clearAccountFailures(db: Db, email: string) {
  await db.signInFailure.deleteMany({ where: { scope: "account", subject: email.trim().toLowerCase().slice(0, 254) } });
}

// The client's address as the console sees it: the last X-Forwarded-For hop
// (added by the server in front of the console, or by Next.js itself), else "unknown".
export function clientAddress(headers: Record<string, string | string[] | undefined> | undefined): string {
  const raw = headers?.["x-forwarded-for"];
  const value = Array.isArray(raw) ? raw[raw.length - 1] : raw;
  const last = value?.split(",").map((s) => s.trim()).filter(Boolean).pop();
  return last && /^[0-9a-fA-F:.]{2,64}$/.test(last) ? last : "unknown";
}
