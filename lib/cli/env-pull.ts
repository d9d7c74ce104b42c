import { writeFile } from "node:fs/promises";
import path from "node:path";
import { ApiClient, type EnvVarView } from "@/lib/cli/api-client";
import { type EnvTarget, parseEnvPullArgs } from "@/lib/cli/args";
import { loadConnection } from "@/lib/cli/config";
import { CliError } from "@/lib/cli/errors";
import { formatDotenv, type PulledLine } from "@/lib/cli/format-dotenv";
import { paint } from "@/lib/cli/format";
import type { Io } from "@/lib/cli/io";
import { USAGE } from "@/lib/cli/usage";

const LABEL: Record<EnvTarget, string> = { production: "Production", preview: "Preview", development: "Development" };

// slipway env pull: the variables a deployment of that environment (and
// branch) would get, into a .env file. Sensitive values cannot be read back,
// so each is a comment naming the key.
export async function envPull(argv: string[], io: Io, deps: { fetch?: typeof fetch } = {}): Promise<number> {
  const args = parseEnvPullArgs(argv);
  if (args.help) {
    io.out(USAGE.env);
    return 0;
  }
  const { url, token } = await loadConnection(args, io.env);
  io.addSecret(token);
  const { variables } = await new ApiClient(url, token, deps.fetch).envVars(args.project);
  const chosen = resolve(variables, args.environment, args.branch);
  const lines: PulledLine[] = chosen.map((v) =>
    v.sensitive
      ? { key: v.key, skipped: "is sensitive and was not pulled" }
      : v.value === null
        ? { key: v.key, skipped: "could not be decrypted and was not pulled" }
        : { key: v.key, value: v.value },
  );
  const where = whereLabel(args.environment, args.branch);
  const text = formatDotenv([`${where} variables of ${args.project}, written by \`slipway env pull\`.`], lines);

  const file = path.resolve(io.cwd, args.file);
  // Only readable by you: the values may still be private, if not sensitive.
  await writeFile(file, text, { mode: 0o600, flag: args.force ? "w" : "wx" }).catch((e: NodeJS.ErrnoException) => {
    if (e.code === "EEXIST") throw new CliError(`${args.file} already exists; pass --force to overwrite it.`);
    if (e.code === "ENOENT") throw new CliError(`Cannot write ${args.file}: its directory does not exist.`);
    throw new CliError(`Cannot write ${args.file}: ${e.message}`);
  });
  const pulled = lines.filter((l) => "value" in l).length;
  io.out(paint(io.color.out).green(`✓ Wrote ${pulled} ${pulled === 1 ? "variable" : "variables"} (${where}) to ${args.file}`));
  const skipped = lines.filter((l) => "skipped" in l).map((l) => l.key);
  if (skipped.length > 0) io.out(`Not pulled (sensitive or unreadable; set them yourself): ${skipped.join(", ")}`);
  return 0;
}

export const whereLabel = (environment: EnvTarget, branch?: string) => (branch ? `${LABEL[environment]} (branch ${branch})` : LABEL[environment]);

// What a deployment of `environment` (and `branch`) would get: per key, the
// branch's override wins over the environment-wide value. Sorted by key.
export function resolve(variables: EnvVarView[], environment: EnvTarget, branch?: string): EnvVarView[] {
  const chosen = new Map<string, EnvVarView>();
  for (const v of variables) {
    if (!v.targets.includes(environment)) continue;
    if (v.branch !== null && (environment !== "preview" || v.branch !== branch)) continue;
    if (v.branch !== null || !chosen.has(v.key)) chosen.set(v.key, v);
  }
  return [...chosen.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}
