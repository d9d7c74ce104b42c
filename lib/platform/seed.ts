import { systemCtx } from "@/lib/auth/ctx";
import { generatePassword, hashPassword } from "@/lib/auth/password";
import type { Db } from "@/lib/db/client";
import { createProject } from "@/lib/projects/create-project";

export type SeedResult = { email: string; password: string | null } | null;

const SEED_LOCK = 7_211_001;

// First start only: an owner account, a team and the demo project. Returns the
// credentials to print once (password null when it came from the environment),
// or null when the database was already seeded.
export async function seedIfEmpty(
  db: Db,
  opts: { email?: string; password?: string; demoSource: string },
): Promise<SeedResult> {
  // Every start comes here; skip the scrypt hash when there is nothing to seed.
  if ((await db.user.count()) > 0) return null;
  const email = (opts.email ?? "admin@slipway.local").toLowerCase();
  const password = opts.password ?? generatePassword();
  const passwordHash = await hashPassword(password);
  const created = await db.$transaction(async (tx) => {
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(${SEED_LOCK})`;
    if ((await tx.user.count()) > 0) return null;
    const user = await tx.user.create({ data: { email, name: "Admin", passwordHash } });
    const team = await tx.team.create({ data: { slug: "default", name: "Default team" } });
    await tx.membership.create({ data: { teamId: team.id, userId: user.id, role: "owner" } });
    return team;
  });
  if (!created) return null;
  await createProject({
    ctx: systemCtx(db, "seed"),
    input: { teamId: created.id, name: "Demo", slug: "demo", sourceKind: "directory", sourcePath: opts.demoSource },
  });
  return { email, password: opts.password ? null : password };
}
