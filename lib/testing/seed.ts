import { randomBytes } from "node:crypto";
import { hashPassword } from "@/lib/auth/password";
import type { Db } from "@/lib/db/client";
import type { Role } from "@/lib/generated/prisma/enums";

// Rows with unique names, so test files can share one database and run in parallel.
export const unique = (prefix: string) => `${prefix}-${randomBytes(5).toString("hex")}`;

export const TEST_PASSWORD = "correct horse battery staple";
let testPasswordHash: Promise<string> | undefined;

export async function seedUser(db: Db, email = `${unique("user")}@example.test`) {
  testPasswordHash ??= hashPassword(TEST_PASSWORD);
  return db.user.create({ data: { email, name: "Test User", passwordHash: await testPasswordHash } });
}

export async function seedMember(db: Db, teamId: string, role: Role) {
  const user = await seedUser(db);
  await db.membership.create({ data: { teamId, userId: user.id, role } });
  return user;
}

// A new team and one member with `role` in it.
export async function seedTeam(db: Db, role: Role = "owner") {
  const team = await db.team.create({ data: { slug: unique("team"), name: "Test Team" } });
  const user = await seedMember(db, team.id, role);
  return { team, user };
}
