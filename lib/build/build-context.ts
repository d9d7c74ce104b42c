import { statfs } from "node:fs/promises";
import path from "node:path";
import type { BuildSettings } from "@/lib/build/build-settings";
import type { LogSink } from "@/lib/build/log-sink";
import { runStep } from "@/lib/build/sandbox/run-step";
import type { BlobStore } from "@/lib/bundles/store/blob-store";
import type { Db } from "@/lib/db/client";
import type { ResolvedVar } from "@/lib/env-vars/resolve-env";
import type { Deployment, Project } from "@/lib/generated/prisma/client";
import type { HostPort } from "@/lib/sandbox/egress-rules";
import { refillSpareNetwork, type SandboxNetwork } from "@/lib/sandbox/network";
import { SANDBOX_PATH } from "@/lib/sandbox/sandbox";
import type { SandboxMode } from "@/lib/sandbox/sandbox-mode";
import type { SecretKey } from "@/lib/secrets/keyring";

/**
 * How builds are sandboxed (lib/sandbox/): SLIPWAY_SANDBOX and the limits of
 * each step. `mode` is what the machine can do (sandboxMode(setting) when not given).
 */
export type BuildSandbox = { setting: "on" | "off"; mode?: SandboxMode; uidBase: number; memoryMb: number; pids: number; diskMb: number };

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
  sandbox: BuildSandbox;
  /** How long publish waits for a server deployment's instances to pass their health check. */
  runtimeStartTimeoutMs?: number;
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
  /** The project's sandbox user; null where the operator turned the sandbox off. */
  uid: number | null;
  /** The network namespace the build's steps share (those without an allow list); null without the sandbox. */
  network: Promise<SandboxNetwork> | null;
  /** Set by a fresh install: node_modules goes to the project's dependency cache once the deployment is over. */
  depsToSave?: { cacheDir: string; key: string };
};

/** Where a sandboxed step sees its workspace and the project's npm download cache. */
export const SANDBOX_WORKSPACE = "/workspace";
const SANDBOX_NPM_CACHE = "/cache/npm";

/** The project's own npm download cache (never shared with another project). */
export const npmCacheDir = (ctx: Pick<BuildContext, "deps" | "project">) => path.join(ctx.deps.dataDir, "cache", "npm", ctx.project.id);

// The environment every user command runs with: a minimal PATH and HOME, the
// project's npm download cache, and the deployment's variables — nothing of
// the worker's own environment. Paths are the sandbox's view of them.
export function stepEnv(ctx: BuildContext): Record<string, string> {
  const env: Record<string, string> = {};
  for (const v of ctx.vars) env[v.key] = v.value;
  const sandboxed = ctx.uid !== null;
  return {
    ...env,
    PATH: SANDBOX_PATH,
    HOME: sandboxed ? `${SANDBOX_WORKSPACE}/home` : path.join(ctx.workspace, "home"),
    TMPDIR: sandboxed ? "/tmp" : path.join(ctx.workspace, "home"),
    CI: "1",
    npm_config_cache: sandboxed ? SANDBOX_NPM_CACHE : npmCacheDir(ctx),
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
// `allow` opens host:ports of the project's egress setting (the migrate step).
export async function runUserCommand(ctx: BuildContext, command: string, allow: HostPort[] = []) {
  ctx.log.system(`$ ${command}`);
  const { sandbox } = ctx.deps;
  const result = await runStep({
    command,
    cwd: ctx.appDir,
    sandbox:
      ctx.uid === null
        ? null
        : {
            label: `b-${ctx.deployment.id.slice(0, 8)}`,
            uid: ctx.uid,
            mounts: [
              { from: ctx.workspace, to: SANDBOX_WORKSPACE, writable: true },
              { from: npmCacheDir(ctx), to: SANDBOX_NPM_CACHE, writable: true },
            ],
            cwd: `${SANDBOX_WORKSPACE}/${path.relative(ctx.workspace, ctx.appDir)}`,
            limits: { memoryMb: sandbox.memoryMb, pids: sandbox.pids, fileSizeMb: sandbox.diskMb, tmpMb: Math.min(1024, sandbox.diskMb), memorySetting: "SANDBOX_MEMORY_MB" },
            allow,
            network: allow.length === 0 ? (ctx.network ?? undefined) : undefined,
          },
    env: stepEnv(ctx),
    timeoutMs: ctx.deps.stepTimeoutMs,
    maxOutputBytes: Math.max(1, ctx.outputBudget.remaining),
    signal: ctx.signal,
    marker: ctx.deployment.id,
    onLine: (stream, text) => ctx.log.write(stream, text),
    // The build took the spare network (run-build.ts); the next is made while this step runs.
    onStarted: ctx.uid === null ? undefined : refillSpareNetwork,
  });
  ctx.outputBudget.remaining -= result.outputBytes;
  if (result.outcome === "succeeded") return result;
  if (result.outcome === "canceled") throw new BuildCanceled();
  if (result.outcome === "output_limit") {
    throw new StageFailure(`Build output exceeded the ${Math.round(ctx.deps.maxLogBytes / (1 << 20))} MB log limit; the build was stopped.`);
  }
  const full = ctx.uid !== null && (await workspaceFull(ctx.workspace));
  if (full) throw new StageFailure(`\`${command}\`: the workspace is full: a build may use ${sandbox.diskMb} MB (SANDBOX_DISK_MB).`);
  throw new StageFailure(`\`${command}\`: ${result.message}`);
}

async function workspaceFull(dir: string): Promise<boolean> {
  const fs = await statfs(dir).catch(() => null);
  return fs !== null && fs.bavail * fs.bsize < Math.max(1 << 20, fs.blocks * fs.bsize * 0.01);
}
