import path from "node:path";
import type { BuildSettings } from "@/lib/build/build-settings";
import type { LogSink } from "@/lib/build/log-sink";
import { runStep } from "@/lib/build/sandbox/run-step";
import type { BlobStore } from "@/lib/bundles/store/blob-store";
import type { Db } from "@/lib/db/client";
import type { ResolvedVar } from "@/lib/env-vars/resolve-env";
import type { Deployment, Project } from "@/lib/generated/prisma/client";
import type { SecretKey } from "@/lib/secrets/keyring";

// What a worker gives a build: where things live and the limits it enforces.
export type BuildDeps = {
  db: Db;
  // Slipway's own database, for session-level advisory locks.
  databaseUrl: string;
  store: BlobStore;
  dataDir: string;
  secretKey: SecretKey;
  workerId: string;
  allowLocalGit: boolean;
  stepTimeoutMs: number;
  maxLogBytes: number;
  heartbeatMs?: number;
};

// A stage failed for a reason the user can act on; it becomes the deployment's
// failure reason word for word.
export class StageFailure extends Error {
  constructor(message: string) {
    super(message);
    this.name = "StageFailure";
  }
}

export class BuildCanceled extends Error {
  constructor() {
    super("Canceled.");
    this.name = "BuildCanceled";
  }
}

export type BuildContext = {
  deps: BuildDeps;
  deployment: Deployment;
  project: Project;
  workspace: string;
  appDir: string;
  log: LogSink;
  signal: AbortSignal;
  vars: ResolvedVar[];
  settings: BuildSettings | null;
  outputBudget: { remaining: number };
};

// The environment every user command runs with: a minimal PATH and HOME, a
// shared npm download cache, and the deployment's variables — nothing of the
// worker's own environment.
export function stepEnv(ctx: BuildContext): Record<string, string> {
  const env: Record<string, string> = {};
  for (const v of ctx.vars) env[v.key] = v.value;
  return {
    ...env,
    PATH: `${path.dirname(process.execPath)}:/usr/local/bin:/usr/bin:/bin`,
    HOME: path.join(ctx.workspace, "home"),
    CI: "1",
    npm_config_cache: path.join(ctx.deps.dataDir, "cache", "npm"),
    npm_config_update_notifier: "false",
    npm_config_fund: "false",
    npm_config_audit: "false",
    SLIPWAY: "1",
    SLIPWAY_DEPLOYMENT_ID: ctx.deployment.id,
    SLIPWAY_ENV: ctx.deployment.environment,
    SLIPWAY_GIT_BRANCH: ctx.deployment.branch,
    SLIPWAY_GIT_SHA: ctx.deployment.commitSha,
  };
}

// Runs one user command in the sandbox, streaming its lines into the log.
export async function runUserCommand(ctx: BuildContext, command: string, extraEnv: Record<string, string> = {}) {
  ctx.log.system(`$ ${command}`);
  const result = await runStep({
    command,
    cwd: ctx.appDir,
    env: { ...stepEnv(ctx), ...extraEnv },
    timeoutMs: ctx.deps.stepTimeoutMs,
    maxOutputBytes: Math.max(1, ctx.outputBudget.remaining),
    signal: ctx.signal,
    marker: ctx.deployment.id,
    onLine: (stream, text) => ctx.log.write(stream, text),
  });
  ctx.outputBudget.remaining -= result.outputBytes;
  if (result.outcome === "succeeded") return result;
  if (result.outcome === "canceled") throw new BuildCanceled();
  if (result.outcome === "output_limit") {
    throw new StageFailure(`Build output exceeded the ${Math.round(ctx.deps.maxLogBytes / (1 << 20))} MB log limit; the build was stopped.`);
  }
  throw new StageFailure(`\`${command}\`: ${result.message}`);
}
