import type { Db } from "@/lib/db/client";
import type { Role } from "@/lib/generated/prisma/enums";

// Who is acting. Every verb takes a ctx and checks the actor itself; the UI
// hiding a button is a convenience, never the control.
export type Actor =
  | { kind: "user"; userId: string }
  | { kind: "token"; tokenId: string; userId: string; teamId: string; role: Role }
  | { kind: "system"; job: string };

export type Ctx = { db: Db; actor: Actor };

export const userCtx = (db: Db, userId: string): Ctx => ({ db, actor: { kind: "user", userId } });
export const systemCtx = (db: Db, job: string): Ctx => ({ db, actor: { kind: "system", job } });

export function actorColumns(actor: Actor) {
  if (actor.kind === "system") return { actorKind: "system" as const, actorId: null };
  return { actorKind: actor.kind, actorId: actor.kind === "token" ? actor.tokenId : actor.userId };
}

export function actingUserId(actor: Actor): string | null {
  return actor.kind === "system" ? null : actor.userId;
}
