import { chmod, chown, mkdir } from "node:fs/promises";
import path from "node:path";
import { systemCtx } from "@/lib/auth/ctx";
import { BuildCanceled, type BuildContext, type BuildDeps, npmCacheDir, StageFailure } from "@/lib/build/build-context";
import { resolveBuildSettings, SettingsError } from "@/lib/build/build-settings";
import { LogSink } from "@/lib/build/log-sink";
import { makeMasker } from "@/lib/build/mask-secrets";
import { killMarked } from "@/lib/build/sandbox/kill-marked";
import { installDeps } from "@/lib/build/stages/install-deps";
import { makeBundle } from "@/lib/build/stages/make-bundle";
import { migrateApp } from "@/lib/build/stages/migrate-app";
import { stageSource } from "@/lib/build/stages/stage-source";
import { uploadBundle } from "@/lib/build/stages/upload-bundle";
import { runUserCommand } from "@/lib/build/build-context";
import { saveDeps } from "@/lib/build/dep-cache";
import { EnvResolveError, resolveEnv } from "@/lib/env-vars/resolve-env";
import { BUILDING, transition } from "@/lib/deployments/lifecycle";
import type { Prisma } from "@/lib/generated/prisma/client";
import type { StageStatus } from "@/lib/generated/prisma/enums";
import { publishDeployment } from "@/lib/routes/publish-deployment";
import { sandboxMode } from "@/lib/sandbox/sandbox-mode";
import { giveToSandbox, openPath, prepareWorkspace, removeWorkspace } from "@/lib/sandbox/workspace";
import { seal } from "@/lib/secrets/seal";

export const STAGES = ["source", "install", "build", "migrate", "bundle", "upload", "publish"] as const;
export type StageName = (typeof STAGES)[number];
// "canary": published as the canary of a rollout against the live deployment.
export type BuildOutcome = "live" | "canary" | "failed" | "canceled" | "skipped";

const actor = { kind: "system", job: "build-deployment" } as const;

// The build job: takes a queued deployment through source → install → build →
// migrate → bundle → upload → publish. A failure anywhere records the stage and
// a readable reason and leaves the live deployment untouched; a cancel (seen on
// the heartbeat, within a second or two) kills the running step.
export async function runBuild(deploymentId: string, deps: BuildDeps): Promise<BuildOutcome> {
  const { db } = deps;
  const claimed = await db.$transaction((tx) =>
    transition(tx, {
      deploymentId,
      from: ["queued"],
      to: "building",
      actor,
      data: { workerId: deps.workerId, heartbeatAt: new Date() },
    }),
  );
  if (!claimed) return "skipped";
  const deployment = await db.deployment.findUniqueOrThrow({ where: { id: deploymentId } });
  const project = await db.project.findUniqueOrThrow({ where: { id: deployment.projectId } });
  const workspace = path.join(deps.dataDir, "workspaces", deploymentId);
  const abort = new AbortController();
  const heartbeat = startHeartbeat(deps, deploymentId, abort);
  let log = new LogSink(db, deploymentId, (t) => t);
  let current: StageName | null = null;
  // For the cleanup: what the build got to (its install, to save to the dependency cache).
  let built: BuildContext | undefined;

  const { sandbox } = deps;
  const mode = sandbox.mode ?? (await sandboxMode(sandbox.setting));
  // The project's own user in the sandbox; null only where the operator turned the sandbox off.
  const uid = mode.state === "on" ? sandbox.uidBase + project.sandboxId : null;

  try {
    if (mode.state === "unavailable") throw new StageFailure(mode.reason);
    if (uid === null) await removeWorkspace(workspace);
    else await prepareWorkspace(workspace, { uid, diskMb: sandbox.diskMb, dataDir: deps.dataDir });
    await mkdir(path.join(workspace, "home"), { recursive: true });
    const vars = await resolveEnv(db, { projectId: project.id, environment: deployment.environment, branch: deployment.branch, key: deps.secretKey }).catch((e) => {
      if (e instanceof EnvResolveError) throw new StageFailure(e.message);
      throw e;
    });
    log = new LogSink(db, deploymentId, makeMasker(vars.filter((v) => v.sensitive).map((v) => v.value)));
    // The runtime variables are fixed now, so a later Promote serves this build with the values it was built with.
    await db.deployment.update({
      where: { id: deploymentId },
      data: { runtimeEnvEnc: seal(deps.secretKey, JSON.stringify(Object.fromEntries(vars.map((v) => [v.key, v.value])))) },
    });
    const ctx: BuildContext = {
      deps,
      deployment,
      project,
      workspace,
      appDir: path.join(workspace, "app"),
      log,
      signal: abort.signal,
      vars,
      settings: null,
      outputBudget: { remaining: deps.maxLogBytes },
      uid,
    };
    built = ctx;
    await mkdir(npmCacheDir(ctx), { recursive: true, mode: 0o700 });
    if (uid !== null) {
      await chown(npmCacheDir(ctx), uid, uid);
      await chmod(npmCacheDir(ctx), 0o700);
      await openPath(path.dirname(npmCacheDir(ctx)), deps.dataDir);
    }
    const stage = async <T>(name: StageName, fn: () => Promise<T>, detail: (r: T) => string | null = () => null): Promise<T> => {
      if (abort.signal.aborted) throw new BuildCanceled();
      current = name;
      await setStage(deps, deploymentId, name, "running", null);
      // Every line is stored before the state it leads to is written (a stage
      // ends, the deployment goes live), so a reader that sees "done" has it all.
      log.system(`── ${name}`);
      await log.flush();
      const result = await fn();
      await log.flush();
      const text = detail(result);
      await setStage(deps, deploymentId, name, result === null ? "skipped" : "succeeded", text);
      return result;
    };

    await stage("source", () => stageSource(ctx), (d) => d);
    if (uid !== null) await giveToSandbox(workspace, uid);
    ctx.settings = await resolveBuildSettings(ctx.appDir, project).catch((e) => {
      if (e instanceof SettingsError) throw new StageFailure(e.message);
      throw e;
    });
    await db.deployment.update({ where: { id: deploymentId }, data: { buildSettings: ctx.settings as unknown as Prisma.InputJsonValue } });
    await stage("install", () => installDeps(ctx), (d) => d);
    await stage(
      "build",
      async () => (ctx.settings!.buildCommand ? (await runUserCommand(ctx, ctx.settings!.buildCommand), ctx.settings!.buildCommand) : null),
      (d) => d,
    );
    await stage("migrate", () => migrateApp(ctx), (d) => d);
    const bundle = await stage("bundle", () => makeBundle(ctx), (b) => `${b.entries.length} files`);
    if (!(await moveTo(deps, deploymentId, "building", "built", { bundleDigest: bundle.digest }))) throw new BuildCanceled();
    if (!(await moveTo(deps, deploymentId, "built", "uploading"))) throw new BuildCanceled();
    await stage("upload", () => uploadBundle(ctx, bundle), (d) => d);
    const published = await stage("publish", async () => {
      const result = await publishDeployment(systemCtx(db, "build-deployment"), deploymentId);
      if (!result) throw new BuildCanceled();
      return result;
    }, (r) => (r.status === "canary" ? `canary ${r.weight}%` : "live"));
    return published.status;
  } catch (e) {
    const canceled = e instanceof BuildCanceled || abort.signal.aborted;
    if (current) await setStage(deps, deploymentId, current, canceled ? "canceled" : "failed", canceled ? "Canceled." : reasonOf(e)).catch(() => undefined);
    if (canceled) {
      log.system("Canceled.");
      await log.flush();
      return "canceled";
    }
    const reason = reasonOf(e);
    if (!(e instanceof StageFailure)) console.error(`[build] ${deploymentId} failed unexpectedly:`, e);
    log.system(`Failed${current ? ` at ${current}` : ""}: ${reason}`);
    await log.flush();
    const failed = await db.$transaction((tx) =>
      transition(tx, {
        deploymentId,
        from: BUILDING,
        to: "failed",
        actor,
        reason,
        data: { failureStage: current ?? "setup", failureReason: reason },
      }),
    );
    return failed ? "failed" : "canceled";
  } finally {
    heartbeat.stop();
    // After the deployment went live (or failed): nobody waits for this.
    if (built?.depsToSave && !abort.signal.aborted) await saveToDepCache(built, built.depsToSave);
    await log.close().catch((e) => console.error(`[build] ${deploymentId} log write failed:`, e));
    await killMarked(deploymentId).catch(() => undefined);
    await removeWorkspace(workspace).catch(() => undefined);
  }
}

async function saveToDepCache(ctx: BuildContext, { cacheDir, key }: { cacheDir: string; key: string }) {
  try {
    if (await saveDeps(cacheDir, key, ctx.appDir)) ctx.log.system(`Saved node_modules to the dependency cache (${key.slice(0, 12)})`);
  } catch (e) {
    ctx.log.system(`Could not save node_modules to the dependency cache: ${e instanceof Error ? e.message : String(e)}`);
  }
}

const reasonOf = (e: unknown) =>
  e instanceof StageFailure ? e.message : `Internal error: ${e instanceof Error ? e.message : String(e)}`.slice(0, 1000);

async function moveTo(deps: BuildDeps, deploymentId: string, from: "building" | "built", to: "built" | "uploading", data?: Prisma.DeploymentUncheckedUpdateManyInput) {
  return deps.db.$transaction((tx) => transition(tx, { deploymentId, from: [from], to, actor, data }));
}

async function setStage(deps: BuildDeps, deploymentId: string, name: StageName, status: StageStatus, detail: string | null) {
  const finished = status === "running" ? null : new Date();
  await deps.db.deploymentStage.upsert({
    where: { deploymentId_name: { deploymentId, name } },
    create: { deploymentId, name, position: STAGES.indexOf(name), status, detail, finishedAt: finished },
    update: { status, detail, finishedAt: finished },
  });
}

// Says "still building" every couple of seconds (a stale heartbeat is how a lost
// worker is noticed) and learns from the same write whether the deployment was
// canceled meanwhile.
function startHeartbeat(deps: BuildDeps, deploymentId: string, abort: AbortController) {
  const timer = setInterval(async () => {
    try {
      const rows = await deps.db.$queryRaw<{ status: string }[]>`
        UPDATE deployments SET heartbeat_at = now()
        WHERE id = ${deploymentId}::uuid AND worker_id = ${deps.workerId}
        RETURNING status::text`;
      if (rows.length === 0 || rows[0].status === "canceled" || rows[0].status === "failed") abort.abort();
    } catch {
      // The database is briefly unreachable: keep building; the next beat retries.
    }
  }, deps.heartbeatMs ?? 1000);
  return { stop: () => clearInterval(timer) };
}
