import { chmod, mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { type ConnectionFlags, normalizeConsoleUrl } from "@/lib/cli/args";
import { CliError } from "@/lib/cli/errors";
import type { Env } from "@/lib/cli/io";

// Where `slipway login` keeps the console URL and token, and how a command
// decides which URL and token to use: flags, then SLIPWAY_URL / SLIPWAY_TOKEN,
// then the saved file.

export type SavedConfig = { url: string; token: string };
export type Connection = { url: string; token: string };
type Source = "flag" | "env" | "config";

export function configPath(env: Env): string {
  // The XDG spec says to ignore a relative XDG_CONFIG_HOME.
  const xdg = env.XDG_CONFIG_HOME;
  const base = xdg && path.isAbsolute(xdg) ? xdg : path.join(env.HOME || os.homedir(), ".config");
  return path.join(base, "slipway", "config.json");
}

export async function readConfig(env: Env): Promise<SavedConfig | null> {
  const file = configPath(env);
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw new CliError(`Could not read ${file}: ${(e as Error).message}`);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw new CliError(`${file} is not valid JSON. Run \`slipway login\` again (or delete the file).`);
  }
  const { url, token } = (data ?? {}) as Record<string, unknown>;
  if (typeof url !== "string" || typeof token !== "string" || !url || !token) {
    throw new CliError(`${file} has no url and token. Run \`slipway login\` again (or delete the file).`);
  }
  return { url, token };
}

// Written to a temp file with mode 0600 and renamed into place, so the token is
// never readable by others, not even for a moment, and a crash leaves the old file.
export async function writeConfig(env: Env, config: SavedConfig): Promise<string> {
  const file = configPath(env);
  const dir = path.dirname(file);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await chmod(dir, 0o700);
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    await writeFile(tmp, JSON.stringify(config, null, 2) + "\n", { mode: 0o600, flag: "w" });
    await chmod(tmp, 0o600);
    await rename(tmp, file);
  } finally {
    await rm(tmp, { force: true });
  }
  return file;
}

/** Returns the removed file's path, or null when there was none. */
export async function removeConfig(env: Env): Promise<string | null> {
  const file = configPath(env);
  try {
    await rm(file);
    return file;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw new CliError(`Could not remove ${file}: ${(e as Error).message}`);
  }
}

const HOW_TO_LOG_IN =
  "Create an API token in the console (Team → API tokens), then run\n" +
  "  slipway login --url <console url> --token <token>\n" +
  "or set SLIPWAY_URL and SLIPWAY_TOKEN (or pass --url and --token).";

// Picks each of url and token by precedence. One exception keeps a saved token
// from leaking to another server: it is only used with the URL it was saved for.
export function resolveConnection(flags: ConnectionFlags, env: Env, saved: SavedConfig | null): Connection & { sources: { url: Source; token: Source } } {
  const pick = (flag: string | undefined, envValue: string | undefined, fromFile: string | undefined): [string | undefined, Source] => {
    if (flag) return [flag, "flag"];
    if (envValue?.trim()) return [envValue.trim(), "env"];
    return [fromFile, "config"];
  };
  const [rawUrl, urlSource] = pick(flags.url, env.SLIPWAY_URL, saved?.url);
  const [token, tokenSource] = pick(flags.token, env.SLIPWAY_TOKEN, saved?.token);

  if (!rawUrl && !token) throw new CliError(`Not logged in: no console URL or API token.\n${HOW_TO_LOG_IN}`);
  if (!rawUrl) throw new CliError(`No console URL: pass --url or set SLIPWAY_URL (or run \`slipway login\`).`);
  const label = { flag: "--url", env: "SLIPWAY_URL", config: "The saved console URL" }[urlSource];
  const url = normalizeConsoleUrl(rawUrl, label);
  if (!token) throw new CliError(`No API token for ${url}.\n${HOW_TO_LOG_IN}`);
  if (tokenSource === "config" && urlSource !== "config" && normalizeConsoleUrl(saved!.url, "The saved console URL") !== url) {
    throw new CliError(
      `The saved token is for ${normalizeConsoleUrl(saved!.url, "The saved console URL")}, not ${url}; it is not sent elsewhere.\n` +
        "Pass --token or set SLIPWAY_TOKEN for this console, or `slipway login` to it.",
    );
  }
  return { url, token, sources: { url: urlSource, token: tokenSource } };
}

export async function loadConnection(flags: ConnectionFlags, env: Env): Promise<Connection> {
  const needFile = !(flags.url || env.SLIPWAY_URL?.trim()) || !(flags.token || env.SLIPWAY_TOKEN?.trim());
  const saved = needFile ? await readConfig(env) : null;
  const { url, token } = resolveConnection(flags, env, saved);
  return { url, token };
}
