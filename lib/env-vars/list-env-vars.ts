import type { Ctx } from "@/lib/auth/ctx";
import type { Tx } from "@/lib/db/client";
import { ENVIRONMENTS, type EnvironmentName, type EnvVarView, isPublicKey, MAX_TOTAL_BYTES, MAX_VALUE_BYTES, PUBLIC_PREFIXES } from "@/lib/env-vars/env-rules";
import { getProject } from "@/lib/projects/get-project";
import { currentSecretKey, type SecretKey } from "@/lib/secrets/keyring";
import { unseal, UnsealError } from "@/lib/secrets/seal";

export type { EnvVarView };

export async function listEnvVars({ ctx, slug }: { ctx: Ctx; slug: string }) {
  const { project } = await getProject({ ctx, slug, action: "env.read" });
  return {
    variables: await envVarViews(ctx.db, project.id, await currentSecretKey()),
    limits: { maxValueBytes: MAX_VALUE_BYTES, maxTotalBytes: MAX_TOTAL_BYTES },
    publicPrefixes: [...PUBLIC_PREFIXES],
  };
}

// Sorted by key, then the environment-wide rows before branch overrides, then by first target.
export async function envVarViews(tx: Tx, projectId: string, secretKey: SecretKey): Promise<EnvVarView[]> {
  const rows = await tx.envVar.findMany({ where: { projectId } });
  const userIds = [...new Set(rows.flatMap((r) => (r.updatedById ? [r.updatedById] : [])))];
  const users = await tx.user.findMany({ where: { id: { in: userIds } }, select: { id: true, name: true, email: true } });
  const byId = new Map(users.map((u) => [u.id, { name: u.name, email: u.email }]));
  return rows
    .map((row): EnvVarView => {
      const view: EnvVarView = {
        id: row.id,
        key: row.key,
        value: null,
        sensitive: row.sensitive,
        mutable: row.mutable,
        public: isPublicKey(row.key),
        targets: sortTargets(row.targets),
        branch: row.branch,
        updatedAt: row.updatedAt.toISOString(),
        updatedBy: (row.updatedById && byId.get(row.updatedById)) || null,
      };
      if (row.sensitive) return view;
      try {
        return { ...view, value: unseal(secretKey, row.valueEnc) };
      } catch (e) {
        if (!(e instanceof UnsealError)) throw e;
        return { ...view, problem: `The stored value cannot be decrypted (${e.message}); set a new value.` };
      }
    })
    .sort(compareViews);
}

export const sortTargets = (list: readonly EnvironmentName[]) => ENVIRONMENTS.filter((e) => list.includes(e));

const compareViews = (a: EnvVarView, b: EnvVarView) =>
  cmp(a.key, b.key) ||
  (a.branch === null ? 0 : 1) - (b.branch === null ? 0 : 1) ||
  cmp(a.branch ?? "", b.branch ?? "") ||
  ENVIRONMENTS.indexOf(a.targets[0]) - ENVIRONMENTS.indexOf(b.targets[0]) ||
  cmp(a.id, b.id);

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
