import { recordAudit } from "@/lib/audit/record-audit";
import { type AppliedChange, applyMutableChanges } from "@/lib/env-vars/apply-mutable-changes";
import { actingUserId, type Ctx } from "@/lib/auth/ctx";
import { can, POLICY } from "@/lib/auth/roles";
import type { Tx } from "@/lib/db/client";
import { type EnvChangeIssue, envChangesInput, type ParsedEnvChange } from "@/lib/env-vars/env-input";
import { envVarViews, sortTargets } from "@/lib/env-vars/list-env-vars";
import { type EnvPlan, planEnvChanges } from "@/lib/env-vars/plan-env-changes";
import { forbidden, invalid } from "@/lib/errors/app-error";
import { getProject } from "@/lib/projects/get-project";
import { currentSecretKey, type SecretKey } from "@/lib/secrets/keyring";
import { seal, sealedKeyId, unseal, UnsealError } from "@/lib/secrets/seal";

// Concurrent saves of one project wait for each other's lock; that wait is not an error.
const ENV_TX = { maxWait: 10_000, timeout: 20_000 };

// Saves a batch of variable changes (the editor's Save, a bulk paste, `env
// push`), all or nothing. With dryRun it only reports what would change.
//   set:    the key's value for these environments (and branch); other rows of
//           the key and branch give those environments up (and go when left with none)
//   update: one row in place; a value left out is kept
//   delete: one row
export async function changeEnvVars({ ctx, slug, input: raw }: { ctx: Ctx; slug: string; input: unknown }) {
  const { changes, dryRun = false } = parseChanges(raw);
  const secretKey = await currentSecretKey();
  return ctx.db.$transaction(async (tx) => {
    const { project, role } = await getProject({ ctx, slug, action: "env.write", tx });
    // Saves of one project queue here, so each plans against the rows the previous one left.
    await tx.$queryRaw`SELECT id FROM projects WHERE id = ${project.id}::uuid FOR UPDATE`;
    const rows = await tx.envVar.findMany({
      where: { projectId: project.id },
      select: { id: true, key: true, branch: true, targets: true, sensitive: true, mutable: true, valueEnc: true },
    });
    const stored = rows.map((r) => ({ ...r, targets: sortTargets(r.targets) }));
    const plan = planEnvChanges(stored, changes, (valueEnc) => readValue(secretKey, valueEnc));
    if (plan.touchesProduction && !can(role, "env.writeProduction")) {
      throw forbidden(`Your role (${role}) cannot change Production variables; it needs ${POLICY["env.writeProduction"]} or above.`);
    }
    // The planner's messages name their variable, except for an id it cannot find.
    if (plan.issues.length > 0) throw changeError(plan.issues, (issue) => (issue.field === "id" ? `Change ${issue.index + 1}` : null));
    const applied = dryRun ? [] : await apply(tx, ctx, project, changes, plan, secretKey);
    return { preview: plan.preview, variables: await envVarViews(tx, project.id, secretKey), applied };
  }, ENV_TX);
}

async function apply(tx: Tx, ctx: Ctx, project: { id: string; teamId: string }, changes: ParsedEnvChange[], plan: EnvPlan, secretKey: SecretKey): Promise<AppliedChange[]> {
  const updatedById = actingUserId(ctx.actor);
  // The id is read from the sealed value: a keyring may switch to a new key (a rotation) at seal time.
  const sealed = (value: string) => {
    const valueEnc = seal(secretKey, value);
    return { valueEnc, keyId: sealedKeyId(valueEnc)! };
  };
  const gone = plan.drafts.flatMap((d) => (d.deleted && d.id ? [d.id] : []));
  if (gone.length > 0) await tx.envVar.deleteMany({ where: { projectId: project.id, id: { in: gone } } });
  for (const d of plan.drafts) {
    if (!d.id || d.deleted || !d.dirty) continue;
    await tx.envVar.update({
      where: { id: d.id },
      data: { targets: d.targets, sensitive: d.sensitive, mutable: d.mutable, updatedById, ...(d.value === null ? {} : sealed(d.value)) },
    });
  }
  const created = plan.drafts.filter((d) => !d.id && !d.deleted);
  if (created.length > 0) {
    await tx.envVar.createMany({
      data: created.map((d) => ({
        projectId: project.id,
        key: d.key,
        branch: d.branch,
        targets: d.targets,
        sensitive: d.sensitive,
        mutable: d.mutable,
        updatedById,
        ...sealed(d.value!),
      })),
    });
  }
  const audited = plan.preview.flatMap((p, i) => (p.action === "unchanged" ? [] : [{ op: changes[i].op, key: p.key, targets: p.targets, branch: p.branch }]));
  if (audited.length === 0) return [];
  const applied = await applyMutableChanges(tx, { projectId: project.id, keys: [...new Set(audited.map((a) => a.key))], secretKey });
  await recordAudit(tx, ctx, {
    teamId: project.teamId,
    action: "env.update",
    targetType: "project",
    targetId: project.id,
    data: { changes: audited, ...(applied.length ? { restarted: applied.map((a) => ({ deployment: a.deploymentId, keys: a.keys })) } : {}) },
  });
  return applied;
}

function readValue(secretKey: SecretKey, valueEnc: string): string | null {
  try {
    return unseal(secretKey, valueEnc);
  } catch (e) {
    if (e instanceof UnsealError) return null;
    throw e;
  }
}

function parseChanges(raw: unknown) {
  const parsed = envChangesInput.safeParse(raw);
  if (parsed.success) return parsed.data;
  const issues: EnvChangeIssue[] = [];
  for (const issue of parsed.error.issues) {
    const [top, index, field] = issue.path;
    if (top !== "changes" || typeof index !== "number") throw invalid(issue.message);
    issues.push({ index, field: typeof field === "string" ? field : "op", message: issue.message });
  }
  // A schema message names the variable only when the key itself is wrong.
  const keys = (raw as { changes: { key?: unknown }[] }).changes.map((c) => c?.key);
  throw changeError(issues, ({ index, field }) => {
    if (field === "key") return null;
    const key = keys[index];
    return typeof key === "string" && key !== "" ? key : `Change ${index + 1}`;
  });
}

// One error for the whole request: the first problem as the message, each
// problem by change index in details, for the editor to show beside its row.
// `label` says which change the first message is about, when it does not say so itself.
function changeError(issues: EnvChangeIssue[], label: (issue: EnvChangeIssue) => string | null) {
  const sorted = [...issues].sort((a, b) => a.index - b.index);
  const first = sorted[0];
  const prefix = label(first);
  const message = prefix ? `${prefix}: ${first.message}` : first.message;
  const more = sorted.length > 1 ? ` (and ${sorted.length - 1} more problem${sorted.length > 2 ? "s" : ""})` : "";
  return invalid(`${message}${more}`, { changes: sorted });
}
