import { existsSync } from "node:fs";
import { readFile, stat } from "node:fs/promises";
import path from "node:path";
import { z } from "zod";
import { appRelativeDir } from "@/lib/projects/project-input";
import { type RolloutChoice, type RolloutOrigin, parseRolloutChoice, resolveRollout } from "@/lib/rollouts/rollout-settings";

// What the build runs, from (highest first) the app's slipway.json, the
// project's settings, or the defaults. `from` records which, for the console.
export type Origin = "default" | "project" | "slipway.json";
export type BuildSettings = {
  installCommand: string | null;
  buildCommand: string | null;
  outputDirectory: string;
  migrateCommand: string | null;
  /** Serve index.html for paths that match no file (single-page apps); slipway.json `"spa": true`. */
  spaFallback: boolean;
  /** How the deployment is rolled out when there is a live one to compare with (slipway.json `canary`, the project's, or the default). */
  canary: RolloutChoice;
  from: Record<"installCommand" | "buildCommand" | "outputDirectory" | "migrateCommand", Origin> & { canary: RolloutOrigin };
};

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
  const { installCommand, buildCommand, outputDirectory, migrate, spa, canary } = parsed.data;
  const settings: SlipwayFile = { installCommand, buildCommand, outputDirectory, migrate, spa };
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
  const projectOutput = project.outputDirectory === "dist" ? null : project.outputDirectory;
  const [outputDirectory, outputFrom] = pick(file?.outputDirectory, projectOutput, "dist");
  const [migrateCommand, migrateFrom] = pick(file?.migrate, null, null);
  const rollout = resolveRollout(file?.canary, project.rolloutSettings);
  return {
    installCommand,
    buildCommand,
    outputDirectory,
    migrateCommand,
    spaFallback: file?.spa ?? false,
    canary: rollout.settings,
    from: { installCommand: installFrom, buildCommand: buildFrom, outputDirectory: outputFrom, migrateCommand: migrateFrom, canary: rollout.from },
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
