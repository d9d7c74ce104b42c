import { readFile } from "node:fs/promises";
import path from "node:path";
import { ApiClient, type EnvChangePreview, type EnvSetChange } from "@/lib/cli/api-client";
import { parseEnvPushArgs } from "@/lib/cli/args";
import { loadConnection } from "@/lib/cli/config";
import { whereLabel } from "@/lib/cli/env-pull";
import { ApiError, CliError, UsageError } from "@/lib/cli/errors";
import { paint } from "@/lib/cli/format";
import type { Io } from "@/lib/cli/io";
import { USAGE } from "@/lib/cli/usage";
import { type DotenvEntry, parseDotenv } from "@/lib/env-vars/parse-dotenv";
import { isPublicKey } from "@/lib/env-vars/env-rules";
import { savedSummary } from "@/lib/ui/env-editor";

const MARK = { added: "+", updated: "~", unchanged: "=", deleted: "−" } as const;

// slipway env push <file>: sets every KEY=value of the file for one
// environment (and branch). The console works out what changes first (a dry
// run, nothing written) and that is printed; then it is saved, after a yes
// from the terminal or --yes. Other variables are left as they are.
export async function envPush(argv: string[], io: Io, deps: { fetch?: typeof fetch } = {}): Promise<number> {
  const args = parseEnvPushArgs(argv);
  if (args.help) {
    io.out(USAGE.env);
    return 0;
  }
  const entries = await readEntries(args.file, io.cwd);
  const { url, token } = await loadConnection(args, io.env);
  io.addSecret(token);
  const client = new ApiClient(url, token, deps.fetch);
  const out = paint(io.color.out);
  const where = whereLabel(args.environment, args.branch);

  // Public keys reach the browser (compiled in by the build), so --sensitive and --mutable cannot apply to them.
  const flags = [args.sensitive && "sensitive", args.mutable && "mutable"].filter(Boolean).join(" or ");
  const publicKeys = flags ? entries.filter((e) => isPublicKey(e.key)).map((e) => e.key) : [];
  if (publicKeys.length > 0) io.err(`Note: ${publicKeys.join(", ")} ${publicKeys.length === 1 ? "is" : "are"} public (sent to the browser), so not made ${flags}.`);
  const changes = entries.map(
    (e): EnvSetChange => ({
      op: "set",
      key: e.key,
      value: e.value,
      targets: [args.environment],
      branch: args.branch ?? null,
      // Left out, the console keeps the flag of the value being replaced.
      ...(args.sensitive && !isPublicKey(e.key) ? { sensitive: true } : {}),
      ...(args.mutable && !isPublicKey(e.key) ? { mutable: true } : {}),
    }),
  );

  const { preview } = await send(client, args.project, changes, entries, args.file, true);
  io.out(`${where} variables of ${args.project} from ${args.file}:`);
  const width = Math.max(...preview.map((p) => p.key.length));
  for (const p of preview) {
    const marks = [p.sensitive && "sensitive", p.mutable && "mutable"].filter(Boolean).join(", ");
    io.out(`  ${MARK[p.action]} ${p.key.padEnd(width)}  ${p.action}${marks ? ` (${marks})` : ""}`);
  }
  const count = (action: EnvChangePreview["action"]) => preview.filter((p) => p.action === action).length;
  io.out(`${count("added")} added, ${count("updated")} updated, ${count("unchanged")} unchanged`);

  const pending = changes.flatMap((c, i) => (preview[i]?.action === "unchanged" ? [] : [{ change: c, entry: entries[i] }]));
  if (args.dryRun) {
    io.out("Dry run: nothing was saved.");
    return 0;
  }
  if (pending.length === 0) {
    io.out(out.green("✓ Nothing to change."));
    return 0;
  }
  if (!args.yes) {
    if (!io.interactive) throw new UsageError("Nothing was saved: not a terminal, so pass --yes to save (or --dry-run to only look).", "env push");
    if (!(await io.confirm(`Save ${pending.length} ${pending.length === 1 ? "change" : "changes"} to ${where}?`))) {
      io.err("Nothing was saved.");
      return 1;
    }
  }
  const saved = await send(client, args.project, pending.map((p) => p.change), pending.map((p) => p.entry), args.file, false);
  io.out(out.green(`✓ Saved ${pending.length} ${pending.length === 1 ? "change" : "changes"} to ${where} of ${args.project}.`));
  const summary = savedSummary(pending.length, saved.preview, saved.applied ?? []);
  if (summary.restarted) io.out(summary.restarted);
  if (summary.later) io.out(`${summary.later} Redeploy to use ${summary.restarted ? "those" : "them"} now.`);
  return 0;
}

async function readEntries(file: string, cwd: string): Promise<DotenvEntry[]> {
  const text = await readFile(path.resolve(cwd, file), "utf8").catch((e: NodeJS.ErrnoException) => {
    if (e.code === "ENOENT") throw new CliError(`File "${file}" does not exist.`);
    if (e.code === "EISDIR") throw new CliError(`"${file}" is a directory; pass a .env file.`);
    throw new CliError(`Cannot read ${file}: ${e.message}`);
  });
  const { entries, errors } = parseDotenv(text);
  if (errors.length > 0) {
    const lines = errors.map((e) => `  ${file} ${e.message}`);
    throw new CliError([`${file} has ${errors.length === 1 ? "a problem" : `${errors.length} problems`}; nothing was sent:`, ...lines].join("\n"));
  }
  if (entries.length === 0) throw new CliError(`${file} has no variables: expected KEY=value lines.`);
  return entries;
}

// The console names each refused change by its index; say which line of the file that was.
async function send(client: ApiClient, slug: string, changes: EnvSetChange[], entries: DotenvEntry[], file: string, dryRun: boolean) {
  try {
    return await client.changeEnv(slug, dryRun ? { changes, dryRun } : { changes });
  } catch (e) {
    const problems = e instanceof ApiError ? changeProblems(e.details) : [];
    if (problems.length === 0) throw e;
    const lines = problems.map((p) => `  ${entries[p.index] ? `${file} line ${entries[p.index].line} (${entries[p.index].key})` : `change ${p.index + 1}`}: ${p.message}`);
    throw new CliError([(e as Error).message, ...lines, "Nothing was saved."].join("\n"));
  }
}

function changeProblems(details: unknown): { index: number; message: string }[] {
  const list = (details as { changes?: unknown } | undefined)?.changes;
  if (!Array.isArray(list)) return [];
  return list.filter((c): c is { index: number; message: string } => typeof c?.index === "number" && typeof c?.message === "string");
}
