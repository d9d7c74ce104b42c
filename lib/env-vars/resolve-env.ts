import type { Db, Tx } from "@/lib/db/client";
import { MAX_TOTAL_BYTES, resolvedBytes, totalProblem } from "@/lib/env-vars/env-rules";
import type { Environment } from "@/lib/generated/prisma/enums";
import type { SecretKey } from "@/lib/secrets/keyring";
import { unseal, UnsealError } from "@/lib/secrets/seal";

export type ResolvedVar = { key: string; value: string; sensitive: boolean; mutable: boolean };

export class EnvResolveError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "EnvResolveError";
  }
}

// The variables one deployment sees: for each key, the override for its branch
// (Preview only) wins over the environment-wide value. A value that cannot be
// decrypted stops the deployment; it never turns into an empty variable. The
// total is checked on every save, and again here in case the limit or the
// rows changed another way.
export async function resolveEnv(
  db: Db | Tx,
  opts: { projectId: string; environment: Environment; branch: string; key: SecretKey },
): Promise<ResolvedVar[]> {
  const rows = await db.envVar.findMany({
    where: {
      projectId: opts.projectId,
      targets: { has: opts.environment },
      OR: [{ branch: null }, ...(opts.environment === "preview" ? [{ branch: opts.branch }] : [])],
    },
    orderBy: { key: "asc" },
  });
  const chosen = new Map<string, (typeof rows)[number]>();
  for (const row of rows) {
    const current = chosen.get(row.key);
    if (!current || (row.branch !== null && current.branch === null)) chosen.set(row.key, row);
  }
  const vars = [...chosen.values()].map((row) => {
    try {
      return { key: row.key, value: unseal(opts.key, row.valueEnc), sensitive: row.sensitive, mutable: row.mutable };
    } catch (e) {
      if (e instanceof UnsealError) throw new EnvResolveError(`Variable ${row.key} could not be decrypted: ${e.message}`);
      throw e;
    }
  });
  const bytes = resolvedBytes(vars);
  if (bytes > MAX_TOTAL_BYTES) throw new EnvResolveError(totalProblem("this deployment", bytes));
  return vars;
}
