import type { Ctx } from "@/lib/auth/ctx";
import { diffManifests } from "@/lib/bundles/diff-manifests";
import type { Db } from "@/lib/db/client";
import { summarySelect, withAuthors } from "@/lib/deployments/deployment-summary";
import { loadDeployment } from "@/lib/deployments/load-deployment";
import { EnvResolveError, resolveEnv } from "@/lib/env-vars/resolve-env";
import type { Environment } from "@/lib/generated/prisma/enums";
import { promoteRefusal } from "@/lib/routes/promote-deployment";
import { migrationsSince } from "@/lib/routes/migrations-since";
import { routeNameFor } from "@/lib/routes/route-names";
import { currentSecretKey } from "@/lib/secrets/keyring";
import { unseal, UnsealError } from "@/lib/secrets/seal";

// A dialog lists paths for a person to read; past this many per kind it says
// "and N more" (the counts and byte totals always cover every file).
export const MAX_LISTED_PATHS = 200;

export const RUNTIME_ENV_NOTE =
  "This deployment keeps the variables it was built with: they were fixed when it was deployed and are not re-read on promote. Changes made to the project's variables since then need a new deployment.";

const select = {
  ...summarySelect,
  bundle: { select: { digest: true, fileCount: true, totalBytes: true, verifiedAt: true } },
} as const;

// What promoting `id` would do, without doing it: the deployment live on its
// route now, whether the promote is allowed (and why not, in words), and the
// file-by-file change from what is served now to what would be. Read-only: a
// route that does not exist yet is not created (promoteDeployment's lockRoute
// would create it).
export async function previewPromote({ ctx, id }: { ctx: Ctx; id: string }) {
  const { deployment } = await loadDeployment(ctx, id, "deployment.promote");
  const { project, environment, branch } = deployment;
  const routeName = routeNameFor(project.slug, environment, branch);
  const route = await ctx.db.route.findUnique({ where: { name: routeName }, select: { liveDeploymentId: true } });
  const liveId = route?.liveDeploymentId ?? null;

  const rows = await ctx.db.deployment.findMany({ where: { id: { in: liveId ? [id, liveId] : [id] } }, select });
  const targetRow = rows.find((r) => r.id === id)!;
  const liveRow = rows.find((r) => r.id === liveId);
  const [target, live = null] = await withAuthors(ctx.db, liveRow ? [targetRow, liveRow] : [targetRow]);

  const refusal = promoteRefusal(target) ?? (liveId === id ? `It is already live on ${routeName}.` : null);
  return {
    project: { slug: project.slug, name: project.name },
    target: view(target),
    live: live && view(live),
    route: { name: routeName },
    allowed: refusal === null,
    reason: refusal,
    // Nothing to compare while the target has no bundle (it never got that far).
    diff: target.bundle ? await diff(ctx.db, live?.bundle?.digest ?? null, target.bundle.digest) : null,
    runtimeEnv: RUNTIME_ENV_NOTE,
    variables: await variablesDrift(ctx.db, deployment),
    // The app's migrations applied since it was built: Promote then needs a confirmation that names them.
    migrations: (await migrationsSince(ctx.db, deployment)).map((m) => ({ name: m.name, appliedAt: m.appliedAt.toISOString() })),
  };
}

// Key names only, never values: which variables a new deploy of the same
// environment and branch would get differently from the set this deployment
// runs with. Null when there is nothing to compare: it never got as far as
// fixing its set, or a value cannot be decrypted now.
export type VariablesDrift = { added: string[]; removed: string[]; changed: string[] };

async function variablesDrift(
  db: Db,
  d: { projectId: string; environment: Environment; branch: string; runtimeEnvEnc: string | null },
): Promise<VariablesDrift | null> {
  if (!d.runtimeEnvEnc) return null;
  const key = await currentSecretKey();
  let fixed: Record<string, string>;
  let now: Map<string, string>;
  try {
    fixed = JSON.parse(unseal(key, d.runtimeEnvEnc));
    const vars = await resolveEnv(db, { projectId: d.projectId, environment: d.environment, branch: d.branch, key });
    now = new Map(vars.map((v) => [v.key, v.value]));
  } catch (e) {
    if (e instanceof UnsealError || e instanceof EnvResolveError) return null;
    throw e;
  }
  const before = new Map(Object.entries(fixed));
  return {
    added: [...now.keys()].filter((k) => !before.has(k)).sort(),
    removed: [...before.keys()].filter((k) => !now.has(k)).sort(),
    changed: [...now.keys()].filter((k) => before.has(k) && before.get(k) !== now.get(k)).sort(),
  };
}

type WithBundle = { bundle: { digest: string; fileCount: number; totalBytes: bigint; verifiedAt: Date | null } | null };

function view<R extends WithBundle>({ bundle, ...rest }: R) {
  return {
    ...rest,
    bundle: bundle && { digest: bundle.digest, fileCount: bundle.fileCount, totalBytes: Number(bundle.totalBytes), verified: !!bundle.verifiedAt },
  };
}

async function diff(db: Db, fromDigest: string | null, toDigest: string) {
  const entries = (digest: string | null) =>
    digest
      ? db.manifestEntry
          .findMany({ where: { bundleDigest: digest }, select: { path: true, size: true, sha256: true, contentType: true } })
          .then((rows) => rows.map((e) => ({ ...e, size: Number(e.size) })))
      : Promise.resolve([]);
  // Same bundle (a redeploy of unchanged source): one read, every file unchanged.
  const after = await entries(toDigest);
  const before = fromDigest === toDigest ? after : await entries(fromDigest);
  return diffManifests(before, after, { maxPaths: MAX_LISTED_PATHS });
}
