import path from "node:path";
import { recordAudit } from "@/lib/audit/record-audit";
import { authorize } from "@/lib/auth/authorize";
import { actorColumns, type Ctx } from "@/lib/auth/ctx";
import { GitError, resolveBranch } from "@/lib/build/git";
import { blobStore } from "@/lib/bundles/current-store";
import { loadConfig } from "@/lib/config/env";
import { summarySelect, withAuthors } from "@/lib/deployments/deployment-summary";
import { deployInput, durationMs } from "@/lib/deployments/deployment-input";
import { transition } from "@/lib/deployments/lifecycle";
import { packSourceDirectory } from "@/lib/deployments/pack-source-directory";
import { type ReceivedArchive, receiveArchive } from "@/lib/deployments/receive-archive";
import { invalid } from "@/lib/errors/app-error";
import { parseInput } from "@/lib/errors/parse-input";
import type { Environment, SourceKind } from "@/lib/generated/prisma/enums";
import { enqueue } from "@/lib/jobs/enqueue";
import { getProject } from "@/lib/projects/get-project";
import { allowLocalGit, LOCAL_REPO_REFUSED, parseRepoLocation } from "@/lib/projects/repo-location";

export type Upload = { body: ReadableStream<Uint8Array> | null; declaredBytes?: number | null };

// Deploy: checks the role first (before accepting any upload), pins the source
// to an exact build SHA (the branch's commit, or the archive's sha256), then
// queues the deployment.
export async function createDeployment({ ctx, slug, input, upload }: { ctx: Ctx; slug: string; input: unknown; upload?: Upload }) {
  const data = parseInput(deployInput, input);
  const { project } = await getProject({ ctx, slug, action: "deployment.create" });
  const config = loadConfig();
  const branch = data.branch ?? project.productionBranch;
  const environment = data.environment ?? (branch === project.productionBranch ? "production" : "preview");
  const tmpDir = path.join(config.dataDir, "tmp");

  let source: DeploymentSource;
  if (upload) {
    const archive = await receiveArchive({ ...upload, maxBytes: config.ARCHIVE_MAX_MB << 20, tmpDir, store: blobStore() });
    source = { kind: "archive", sha: archive.sha256, ref: "upload" };
  } else if (project.sourceKind === "git") {
    source = { kind: "git", sha: data.ref ?? (await branchHead(project.gitUrl!, branch)), ref: branch };
  } else if (project.sourceKind === "directory") {
    const archive: ReceivedArchive = await packSourceDirectory({ root: process.cwd(), sourcePath: project.sourcePath!, tmpDir, store: blobStore() });
    source = { kind: "archive", sha: archive.sha256, ref: project.sourcePath! };
  } else {
    throw invalid("This project deploys uploaded archives: upload a .tar.gz of the app (`slipway deploy` does this).");
  }

  const expiresAt = data.expiresIn ? new Date(Date.now() + durationMs(data.expiresIn)) : null;
  return queueDeployment(ctx, { project, environment, branch, source, message: data.message ?? null, expiresAt, debug: data.debug ?? false });
}

export type DeploymentSource = { kind: SourceKind; sha: string; ref: string };
type QueueRequest = {
  project: { id: string; slug: string; teamId: string };
  environment: Environment;
  branch: string;
  source: DeploymentSource;
  message: string | null;
  // A redeploy names the deployment whose source it builds again.
  redeployOf?: string;
  // A push webhook names the git host's delivery id.
  webhookDelivery?: string;
  // Seed 003's modes: a fixed lifetime, and a debug runtime.
  expiresAt?: Date | null;
  debug?: boolean;
};

// One transaction shared by every way a deployment starts (deploy, redeploy):
// the queued deployment, its first event, the build job and the audit row, and
// older still-queued deploys of the same branch and environment canceled, as
// the new one supersedes them.
export async function queueDeployment(ctx: Ctx, { project, environment, branch, source, message, redeployOf, webhookDelivery, expiresAt = null, debug = false }: QueueRequest) {
  const created = await ctx.db.$transaction(async (tx) => {
    await authorize(ctx, project.teamId, "deployment.create", tx);
    const { actorKind, actorId } = actorColumns(ctx.actor);
    const deployment = await tx.deployment.create({
      data: {
        projectId: project.id,
        environment,
        branch,
        commitSha: source.sha,
        commitMessage: message,
        sourceKind: source.kind,
        sourceRef: source.ref,
        createdByKind: actorKind,
        createdById: actorId,
        expiresAt,
        debug,
      },
      select: summarySelect,
    });
    await tx.deploymentEvent.create({ data: { deploymentId: deployment.id, toStatus: "queued", actorKind, actorId } });
    const older = await tx.deployment.findMany({
      where: { projectId: project.id, environment, branch, status: "queued", id: { not: deployment.id } },
      select: { id: true },
    });
    const superseded: string[] = [];
    for (const { id } of older) {
      const reason = `Superseded by deployment ${deployment.id}.`;
      if (await transition(tx, { deploymentId: id, from: ["queued"], to: "canceled", actor: ctx.actor, reason })) superseded.push(id);
    }
    await enqueue(tx, "build-deployment", { deploymentId: deployment.id }, {
      queue: `build:${project.id}:${environment}`,
      maxAttempts: 3,
    });
    await recordAudit(tx, ctx, {
      teamId: project.teamId,
      action: "deployment.create",
      targetType: "deployment",
      targetId: deployment.id,
      data: { project: project.slug, environment, branch, sha: source.sha, superseded, ...(redeployOf ? { redeployOf } : {}), ...(webhookDelivery ? { webhookDelivery } : {}) },
    });
    return deployment;
  });
  const [deployment] = await withAuthors(ctx.db, [created]);
  return { deployment };
}

async function branchHead(gitUrl: string, branch: string) {
  const location = parseRepoLocation(gitUrl);
  if (!location) throw invalid("The project's repository URL is not valid; fix it in the project settings.");
  if (location.kind === "local" && !allowLocalGit()) throw invalid(LOCAL_REPO_REFUSED);
  try {
    return await resolveBranch(location.location, branch, location.kind === "local");
  } catch (e) {
    if (e instanceof GitError) throw invalid(`branch: ${e.message}`, { fields: { branch: e.message } });
    throw e;
  }
}
