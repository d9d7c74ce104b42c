import { randomUUID } from "node:crypto";
import { createWriteStream } from "node:fs";
import { mkdir, rm } from "node:fs/promises";
import path from "node:path";
import { pipeline } from "node:stream/promises";
import { ArchiveError } from "@/lib/archive/archive-error";
import { extractArchive } from "@/lib/archive/extract-archive";
import { type BuildContext, StageFailure } from "@/lib/build/build-context";
import { cloneAt, GitError } from "@/lib/build/git";
import { BlobNotFoundError } from "@/lib/bundles/store/blob-store";
import { LOCAL_REPO_REFUSED, parseRepoLocation } from "@/lib/projects/repo-location";

// Puts the exact source of the deployment into a fresh app directory: a shallow
// clone at the pinned commit, or the uploaded archive (checked entry by entry
// again here, whatever the upload checked).
export async function stageSource(ctx: BuildContext): Promise<string> {
  const { deployment, project, deps } = ctx;
  await mkdir(ctx.appDir, { recursive: true });
  if (deployment.sourceKind === "git") {
    const location = parseRepoLocation(project.gitUrl ?? "");
    if (!location) throw new StageFailure("The project's repository URL is not valid.");
    if (location.kind === "local" && !deps.allowLocalGit) throw new StageFailure(LOCAL_REPO_REFUSED);
    ctx.log.system(`Cloning ${deployment.branch} at ${deployment.commitSha.slice(0, 12)}`);
    await rm(ctx.appDir, { recursive: true, force: true });
    try {
      const { message } = await cloneAt({
        location: location.location,
        branch: deployment.branch,
        sha: deployment.commitSha,
        dir: ctx.appDir,
        allowLocal: location.kind === "local",
        timeoutMs: deps.stepTimeoutMs,
      });
      await rm(path.join(ctx.appDir, ".git"), { recursive: true, force: true });
      if (!deployment.commitMessage && message) {
        await deps.db.deployment.update({ where: { id: deployment.id }, data: { commitMessage: message.slice(0, 500) } });
      }
      return `git ${deployment.commitSha.slice(0, 12)}`;
    } catch (e) {
      if (e instanceof GitError) throw new StageFailure(`git: ${e.message}`);
      throw e;
    }
  }
  const file = path.join(ctx.workspace, `source-${randomUUID()}.tar.gz`);
  try {
    await pipeline(await deps.store.get(deployment.commitSha), createWriteStream(file));
    const { files, bytes } = await extractArchive(file, ctx.appDir);
    ctx.log.system(`Unpacked ${files} files (${bytes} bytes) from archive ${deployment.commitSha.slice(0, 12)}`);
    return `archive ${deployment.commitSha.slice(0, 12)}, ${files} files`;
  } catch (e) {
    if (e instanceof BlobNotFoundError) throw new StageFailure("The uploaded source archive is no longer in the store.");
    if (e instanceof ArchiveError) throw new StageFailure(e.message);
    throw e;
  } finally {
    await rm(file, { force: true });
  }
}
