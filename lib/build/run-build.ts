import { chmod, chown, mkdir } from "node:fs/promises";
import path from "node:path";
import { systemCtx } from "@/lib/auth/ctx";
import { BuildCanceled, type BuildContext, type BuildDeps, npmCacheDir, StageFailure } from "@/lib/build/build-context";
import { expectSteps } from "@/lib/build/sandbox/launchers";
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
import { openNetwork, type SandboxNetwork } from "@/lib/sandbox/network";
import { sandboxMode } from "@/lib/sandbox/sandbox-mode";
import { giveToSandbox, openPath, prepareWorkspace, removeWorkspace } from "@/lib/sandbox/workspace";
import { seal } from "@/lib/secrets/seal";
import { awaitRuntime, RuntimeNotReady } from "@/lib/runtime/await-runtime";

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
  // The first step's launcher starts at once: Node's start-up takes longer than the build's set-up (launchers.ts).
  expectSteps(deploymentId, 1);
  try {
    return await build(deploymentId, deps);
  } finally {
    expectSteps(deploymentId, 0);
  }
}

async function build(deploymentId: string, deps: BuildDeps): Promise<BuildOutcome> {
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
  // The build's own rows (stage rows, its settings) are written in order but
  // off its path: nothing waits for them but the publish, which waits for all.
  let writes: Promise<unknown> = Promise.resolve();
  const write = (fn: () => Promise<unknown>) => {
    writes = writes.then(fn);
    writes.catch(() => undefined); // surfaces where the build waits for `writes`
  };

  const { sandbox } = deps;
  const mode = sandbox.mode ?? (await sandboxMode(sandbox.setting));
  // The project's own user in the sandbox; null only where the operator turned the sandbox off.
  const uid = mode.state === "on" ? sandbox.uidBase + project.sandboxId : null;
  // The network namespace of the build's steps, opened while it sets up.
  let network: Promise<SandboxNetwork> | null = null;

  try {
    if (mode.state === "unavailable") throw new StageFailure(mode.reason);
    if (uid !== null) {
      network = openNetwork([], { refill: false });
      network.catch(() => undefined); // a failure is reported by the first step that needs it
    }
    const [vars] = await allSettled([
      resolveEnv(db, { projectId: project.id, environment: deployment.environment, branch: deployment.branch, key: deps.secretKey }).catch((e) => {
        throw e instanceof EnvResolveError ? new StageFailure(e.message) : e;
      }),
      setUpWorkspace(deps, { workspace, uid, npmCache: npmCacheDir({ deps, project }) }),
    ]);
    // The runtime variables are fixed now, so a later Promote serves this build with the values it was built with.
    const runtimeEnvEnc = seal(deps.secretKey, JSON.stringify(Object.fromEntries(vars.map((v) => [v.key, v.value]))));
    // Mutable keys (seed 003) may change later while it runs (lib/env-vars/apply-mutable-changes.ts); the rest never do.
    const mutableKeys = vars.filter((v) => v.mutable).map((v) => v.key);
    write(() => db.deployment.update({ where: { id: deploymentId }, data: { runtimeEnvEnc, mutableKeys } }));
    log = new LogSink(db, deploymentId, makeMasker(vars.filter((v) => v.sensitive).map((v) => v.value)));
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
      network,
    };
    built = ctx;
    const stage = async <T>(name: StageName, fn: () => Promise<T>, detail: (r: T) => string | null = () => null): Promise<T> => {
      if (abort.signal.aborted) throw new BuildCanceled();
      current = name;
      const startedAt = new Date();
      write(() => setStage(deps, deploymentId, name, "running", null, startedAt));
      log.system(`── ${name}`);
      const result = await fn();
      const finishedAt = new Date();
      // Every line is stored before the state it leads to is written (a stage
      // ends, the deployment goes live), so a reader that sees "done" has it all.
      const logged = log.flush();
      write(() => logged.then(() => setStage(deps, deploymentId, name, result === null ? "skipped" : "succeeded", detail(result), finishedAt)));
      return result;
    };

    await stage("source", () => stageSource(ctx), (d) => d);
    const [settings] = await allSettled([
      resolveBuildSettings(ctx.appDir, project).catch((e) => {
        throw e instanceof SettingsError ? new StageFailure(e.message) : e;
      }),
      uid === null ? Promise.resolve() : giveToSandbox(workspace, uid),
    ]);
    ctx.settings = settings;
    const stepsAfter = (done: number) => [settings.installCommand, settings.buildCommand, settings.migrateCommand].slice(done).filter(Boolean).length;
    expectSteps(deploymentId, stepsAfter(0));
    write(() => db.deployment.update({ where: { id: deploymentId }, data: { buildSettings: settings as unknown as Prisma.InputJsonValue } }));
    await stage("install", () => installDeps(ctx), (d) => d);
    // A restored install took no step.
    expectSteps(deploymentId, stepsAfter(1));
    await stage(
      "build",
      async () => {
        const { buildCommand, installCommand, server } = ctx.settings!;
        if (buildCommand) await runUserCommand(ctx, buildCommand);
        // What detection adds to complete a server's bundle (Next.js standalone: its static files).
        if (server?.prepare) await runUserCommand(ctx, server.prepare);
        // A server bundled whole keeps its node_modules: the production ones only.
        const prune = server?.root === "." && installCommand?.startsWith("npm ");
        if (prune) await runUserCommand(ctx, PRUNE_DEV_DEPS);
        return [buildCommand, server?.prepare ? "(standalone files)" : null, prune ? PRUNE_DEV_DEPS : null].filter(Boolean).join(" && ") || null;
      },
      (d) => d,
    );
    await stage("migrate", () => migrateApp(ctx), (d) => d);
    const bundle = await stage("bundle", () => makeBundle(ctx), (b) => `${b.entries.length} files`);
    // The blobs go to the store while the deployment moves to "uploading":
    // they are named by their content, so a canceled build's blobs harm nothing.
    const uploading = moveToUploading(deps, deploymentId, bundle.digest);
    uploading.catch(() => undefined);
    await stage("upload", async () => {
      const [moved, detail] = await allSettled([uploading, uploadBundle(ctx, bundle)]);
      if (!moved) throw new BuildCanceled();
      return detail;
    }, (d) => d);
    const published = await stage("publish", async () => {
      // Whoever sees it live finds every line and every stage before it stored.
      await Promise.all([log.flush(), writes]);
      if (settings.runtime === "server") await startServer(ctx, bundle.digest);
      const result = await publishDeployment(systemCtx(db, "build-deployment"), deploymentId);
      if (!result) throw new BuildCanceled();
      return result;
    }, (r) => (r.status === "canary" ? `canary ${r.weight}%` : "live"));
    await writes;
    return published.status;
  } catch (e) {
    const canceled = e instanceof BuildCanceled || abort.signal.aborted;
    await writes.catch(() => undefined);
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
    await network?.then((n) => n.close(), () => undefined);
    await removeWorkspace(workspace).catch(() => undefined);
  }
}

const PRUNE_DEV_DEPS = "npm prune --omit=dev --no-audit --no-fund";

// A server goes live only once its instances pass their health check (lib/runtime/).
async function startServer(ctx: BuildContext, digest: string) {
  const { server } = ctx.settings!;
  ctx.log.system(`Starting ${server!.instances} instance(s): ${server!.start} (health check ${server!.healthCheckPath ?? "/"})`);
  await ctx.log.flush();
  try {
    await awaitRuntime(ctx.deps.db, ctx.deployment.id, { timeoutMs: ctx.deps.runtimeStartTimeoutMs ?? 120_000, signal: ctx.signal });
  } catch (e) {
    if (e instanceof RuntimeNotReady) throw new StageFailure(e.message);
    throw e;
  }
  ctx.log.system(`Server ready (bundle ${digest.slice(0, 12)})`);
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

// building → built → uploading, in one transaction (both events are recorded).
async function moveToUploading(deps: BuildDeps, deploymentId: string, bundleDigest: string) {
  return deps.db.$transaction(
    async (tx) =>
      (await transition(tx, { deploymentId, from: ["building"], to: "built", actor, data: { bundleDigest } })) &&
      transition(tx, { deploymentId, from: ["built"], to: "uploading", actor }),
  );
}

// The workspace (see lib/sandbox/workspace.ts) and the project's npm download
// cache, for the project's sandbox user (uid), or plain directories without one.
async function setUpWorkspace(deps: BuildDeps, { workspace, uid, npmCache }: { workspace: string; uid: number | null; npmCache: string }) {
  if (uid === null) await removeWorkspace(workspace);
  else await prepareWorkspace(workspace, { uid, diskMb: deps.sandbox.diskMb, dataDir: deps.dataDir });
  await mkdir(path.join(workspace, "home"), { recursive: true });
  await mkdir(npmCache, { recursive: true, mode: 0o700 });
  if (uid !== null) {
    await chown(npmCache, uid, uid);
    await chmod(npmCache, 0o700);
    await openPath(path.dirname(npmCache), deps.dataDir);
  }
}

// Promise.all that lets every one finish (nothing of a failed setup is still
// running when the cleanup starts), then throws the first failure.
async function allSettled<T extends readonly unknown[]>(promises: { [K in keyof T]: Promise<T[K]> }): Promise<T> {
  const results = await Promise.allSettled(promises);
  const failed = results.find((r) => r.status === "rejected");
  if (failed) throw failed.reason;
  return results.map((r) => (r as PromiseFulfilledResult<unknown>).value) as unknown as T;
}

// `at`: when the stage started ("running") or ended.
async function setStage(deps: BuildDeps, deploymentId: string, name: StageName, status: StageStatus, detail: string | null, at = new Date()) {
  const finished = status === "running" ? null : at;
  await deps.db.deploymentStage.upsert({
    where: { deploymentId_name: { deploymentId, name } },
    create: { deploymentId, name, position: STAGES.indexOf(name), status, detail, startedAt: at, finishedAt: finished },
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
