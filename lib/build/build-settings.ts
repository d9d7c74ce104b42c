import { existsSync } from "node:fs";
import { readFile, stat } from "node:fs/promises";
import path from "node:path";
import { z } from "zod";
import { detectAppInDir } from "@/lib/build/detect-app";
import { appRelativeDir } from "@/lib/projects/project-input";
import { type RolloutChoice, type RolloutOrigin, parseRolloutChoice, resolveRollout } from "@/lib/rollouts/rollout-settings";

// What the build runs, from (highest first) the app's slipway.json, the
// project's settings, or the defaults. `from` records which, for the console.
export type Origin = "default" | "project" | "slipway.json" | "detected";
export type BuildSettings = {
  installCommand: string | null;
  buildCommand: string | null;
  outputDirectory: string;
  migrateCommand: string | null;
  /** Serve index.html for paths that match no file (single-page apps); slipway.json `"spa": true`. */
  spaFallback: boolean;
  /** How the deployment is rolled out when there is a live one to compare with (slipway.json `canary`, the project's, or the default). */
  canary: RolloutChoice;
  /** "server": the bundle is the built app, run as instances (lib/runtime/); "static": its output directory is served. */
  runtime: "static" | "server";
  server: ServerSettings | null;
  /** What zero-config detection found, and why (shown on the deployment page). */
  detected: { framework: string; reason: string } | null;
  from: Record<"installCommand" | "buildCommand" | "outputDirectory" | "migrateCommand" | "runtime", Origin> & { canary: RolloutOrigin };
};

export type ServerSettings = {
  /** Run by /bin/sh in `root`, with PORT set. */
  start: string;
  /** The directory (relative to the app) that is the server's bundle: "." (the whole built app) unless detection or outputDirectory says otherwise. */
  root: string;
  /** A fixed command of detection's run after the build to complete `root`, or null. */
  prepare: string | null;
  /** The path whose answer (2xx or 3xx) says an instance is ready; null: any answer below 500 to "/". */
  healthCheckPath: string | null;
  instances: number;
  memoryMb: number;
};

export const SERVER_DEFAULTS = { start: "npm start", instances: 1, memoryMb: 512 } as const;

export class SettingsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SettingsError";
  }
}

const command = z.string().trim().min(1, "must not be empty").max(2000, "is too long (2000 characters at most)");

// Unknown keys are allowed: later features (canary settings) read the same file.
const fileSchema = z
  .object({
    installCommand: command.optional(),
    buildCommand: command.optional(),
    outputDirectory: appRelativeDir("must be a relative path inside the app").optional(),
    migrate: command.optional(),
    spa: z.boolean({ error: "must be true or false" }).optional(),
    // Checked on its own below (lib/rollouts/rollout-settings.ts) for messages naming the nested field.
    canary: z.unknown().optional(),
    runtime: z.enum(["static", "server"], { error: 'must be "static" or "server"' }).optional(),
    start: command.optional(),
    healthCheck: z
      .object({ path: z.string().max(200, "is too long").regex(/^\/[\x21-\x7e]*$/, 'must be a path starting with "/"') }, { error: 'must be an object like { "path": "/healthz" }' })
      .strict()
      .optional(),
    instances: z.number({ error: "must be a number" }).int("must be a whole number").min(1, "must be at least 1").max(8, "must be at most 8").optional(),
    memoryMb: z.number({ error: "must be a number" }).int("must be a whole number").min(64, "must be at least 64").max(8192, "must be at most 8192").optional(),
  })
  .passthrough();

const MAX_FILE_BYTES = 64 * 1024;

type SlipwayFile = {
  installCommand?: string;
  buildCommand?: string;
  outputDirectory?: string;
  migrate?: string;
  spa?: boolean;
  canary?: RolloutChoice;
  runtime?: "static" | "server";
  start?: string;
  healthCheck?: { path: string };
  instances?: number;
  memoryMb?: number;
};

async function readSlipwayJson(appDir: string): Promise<SlipwayFile | null> {
  const file = path.join(appDir, "slipway.json");
  if (!existsSync(file)) return null;
  const info = await stat(file);
  if (!info.isFile()) throw new SettingsError("slipway.json is not a regular file.");
  if (info.size > MAX_FILE_BYTES) throw new SettingsError("slipway.json is larger than 64 KB.");
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(file, "utf8"));
  } catch (e) {
    throw new SettingsError(`slipway.json is not valid JSON: ${(e as Error).message}`);
  }
  const parsed = fileSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new SettingsError(`slipway.json: ${issue.path.join(".") || "the file"} ${issue.message}.`);
  }
  const { installCommand, buildCommand, outputDirectory, migrate, spa, canary, runtime, start, healthCheck, instances, memoryMb } = parsed.data;
  const settings: SlipwayFile = { installCommand, buildCommand, outputDirectory, migrate, spa, runtime, start, healthCheck, instances, memoryMb };
  if (canary === undefined) return settings;
  const rollout = parseRolloutChoice(canary, "canary");
  if (!rollout.ok) throw new SettingsError(`slipway.json: ${rollout.message}.`);
  return { ...settings, canary: rollout.value };
}

type ProjectSettings = { installCommand: string | null; buildCommand: string | null; outputDirectory: string; rolloutSettings?: unknown };

export async function resolveBuildSettings(appDir: string, project: ProjectSettings): Promise<BuildSettings> {
  const file = await readSlipwayJson(appDir);
  const pkg = await readPackageJson(appDir);
  const pick = <T>(fromFile: T | undefined, fromProject: T | null | undefined, fallback: T): [T, Origin] =>
    fromFile !== undefined ? [fromFile, "slipway.json"] : fromProject != null ? [fromProject, "project"] : [fallback, "default"];

  const hasLockfile = existsSync(path.join(appDir, "package-lock.json")) || existsSync(path.join(appDir, "npm-shrinkwrap.json"));
  const defaultInstall = pkg ? (hasLockfile ? "npm ci" : "npm install") : null;
  const defaultBuild = pkg?.scripts && typeof pkg.scripts.build === "string" ? "npm run build" : null;

  const [installCommand, installFrom] = pick(file?.installCommand, project.installCommand, defaultInstall);
  const [buildCommand, buildFrom] = pick(file?.buildCommand, project.buildCommand, defaultBuild);
  // Zero-config detection decides what the settings leave open: whether it is
  // a server, how it starts, where a static build's files are.
  const detected = await detectAppInDir(appDir);
  const projectOutput = project.outputDirectory === "dist" ? null : project.outputDirectory;
  // A plain static folder is served as it is only when nothing builds it (else its build's output is in dist/).
  const plainFolder = detected?.framework === "Static files" && buildCommand !== null;
  const detectedOutput = detected?.runtime === "static" && !plainFolder ? detected.outputDirectory : undefined;
  const [outputDirectory, outputFrom] = pick(file?.outputDirectory, projectOutput, detectedOutput ?? "dist");
  const [migrateCommand, migrateFrom] = pick(file?.migrate, null, null);
  const serverFields = file?.start !== undefined || file?.healthCheck !== undefined || file?.instances !== undefined || file?.memoryMb !== undefined;
  const [runtime, runtimeFrom] = pick<"static" | "server">(file?.runtime ?? (serverFields ? "server" : undefined), null, detected?.runtime ?? "static");
  if (runtime === "static" && serverFields) throw new SettingsError('slipway.json: start, healthCheck, instances and memoryMb apply only to "runtime": "server".');
  // A server's bundle: the directory slipway.json names, else detection's (Next.js standalone), else the whole app.
  const detectedServer = detected?.runtime === "server" ? detected : null;
  const root = file?.outputDirectory ?? (file?.start === undefined ? detectedServer?.root : undefined) ?? ".";
  const server: ServerSettings | null =
    runtime === "server"
      ? {
          start: file?.start ?? detectedServer?.start ?? SERVER_DEFAULTS.start,
          root,
          prepare: root === detectedServer?.root ? (detectedServer?.prepare ?? null) : null,
          healthCheckPath: file?.healthCheck?.path ?? null,
          instances: file?.instances ?? SERVER_DEFAULTS.instances,
          memoryMb: file?.memoryMb ?? SERVER_DEFAULTS.memoryMb,
        }
      : null;
  const rollout = resolveRollout(file?.canary, project.rolloutSettings);
  return {
    installCommand,
    buildCommand,
    outputDirectory,
    migrateCommand,
    spaFallback: file?.spa ?? false,
    canary: rollout.settings,
    runtime,
    server,
    detected: detected ? { framework: detected.framework, reason: detected.reason } : null,
    from: {
      installCommand: installFrom,
      buildCommand: buildFrom,
      outputDirectory: outputFrom === "default" && detectedOutput ? "detected" : outputFrom,
      migrateCommand: migrateFrom,
      runtime: runtimeFrom === "default" && detected ? "detected" : runtimeFrom,
      canary: rollout.from,
    },
  };
}

async function readPackageJson(appDir: string): Promise<{ scripts?: Record<string, unknown> } | null> {
  const file = path.join(appDir, "package.json");
  if (!existsSync(file)) return null;
  try {
    return JSON.parse(await readFile(file, "utf8"));
  } catch (e) {
    throw new SettingsError(`package.json is not valid JSON: ${(e as Error).message}`);
  }
}
