import { stat } from "node:fs/promises";
import path from "node:path";
import { parseArgs } from "node:util";
import { CliError, UsageError } from "@/lib/cli/errors";
import type { Command } from "@/lib/cli/usage";

// Command-line parsing and the checks that need no server: every mistake here
// is a UsageError (exit 2) naming the flag, before anything is packed or sent.

type OptionSpec = { type: "string" | "boolean"; short?: string };
type Values = Record<string, string | boolean | undefined>;

const HELP = { help: { type: "boolean", short: "h" } } as const satisfies Record<string, OptionSpec>;
const CONNECTION = { url: { type: "string" }, token: { type: "string" } } as const satisfies Record<string, OptionSpec>;

export type ConnectionFlags = { url?: string; token?: string };
export type Help = { help: true };

export type DeployArgs = ConnectionFlags & {
  help: false;
  dir: string;
  project: string;
  environment?: Environment;
  branch?: string;
  message?: string;
  follow: boolean;
  /** Seed 003's modes: a fixed lifetime ("2h"), a debug runtime. */
  expiresIn?: string;
  debug: boolean;
};
export type PromoteArgs = ConnectionFlags & { help: false; id: string; confirmMigrations: boolean };
export type EnvPullArgs = ConnectionFlags & { help: false; project: string; environment: EnvTarget; branch?: string; file: string; force: boolean };
export type EnvPushArgs = ConnectionFlags & {
  help: false;
  file: string;
  project: string;
  environment: EnvTarget;
  branch?: string;
  sensitive: boolean;
  mutable: boolean;
  dryRun: boolean;
  yes: boolean;
};
export type LoginArgs = ConnectionFlags & { help: false };
export type PlainArgs = ConnectionFlags & { help: false };

export const ENVIRONMENTS = ["production", "preview"] as const;
export type Environment = (typeof ENVIRONMENTS)[number];
// Variables also have a Development set (for local work), which no deployment gets.
export const ENV_TARGETS = ["production", "preview", "development"] as const;
export type EnvTarget = (typeof ENV_TARGETS)[number];

function parse(command: Command | `env ${"pull" | "push"}`, argv: string[], options: Record<string, OptionSpec>, maxPositionals: number) {
  let parsed: { values: Values; positionals: string[] };
  try {
    parsed = parseArgs({ args: argv, options, allowPositionals: true, strict: true }) as typeof parsed;
  } catch (e) {
    throw new UsageError(describeParseError(e), command);
  }
  if (parsed.positionals.length > maxPositionals) {
    const extra = parsed.positionals.slice(maxPositionals).map((p) => JSON.stringify(p)).join(" ");
    throw new UsageError(`Unexpected argument${parsed.positionals.length - maxPositionals > 1 ? "s" : ""}: ${extra}.`, command);
  }
  for (const [name, value] of Object.entries(parsed.values)) {
    if (typeof value === "string" && value.trim() === "") throw new UsageError(`--${name} must not be empty.`, command);
  }
  return parsed;
}

// node:util's messages are long and quote flags oddly; say it in one line.
export function describeParseError(e: unknown): string {
  const err = e as { code?: string; message?: string };
  // e.g. "Option '-b, --branch <value>' argument missing": name the long form.
  const flag = /'(?:-\w, )?(-{1,2}[^' ,]+)/.exec(err.message ?? "")?.[1];
  switch (err.code) {
    case "ERR_PARSE_ARGS_UNKNOWN_OPTION":
      return `Unknown option ${flag ?? ""}.`.replace(" .", ".");
    case "ERR_PARSE_ARGS_INVALID_OPTION_VALUE":
      if (/argument missing|ambiguous/.test(err.message ?? "")) return `Option ${flag ?? ""} needs a value.`;
      return `Option ${flag ?? ""} does not take a value.`;
    default:
      return err.message ?? String(e);
  }
}

const str = (v: string | boolean | undefined) => (typeof v === "string" ? v.trim() : undefined);

export function parseDeployArgs(argv: string[]): DeployArgs | Help {
  const { values, positionals } = parse(
    "deploy",
    argv,
    {
      ...HELP,
      ...CONNECTION,
      project: { type: "string", short: "p" },
      env: { type: "string", short: "e" },
      branch: { type: "string", short: "b" },
      message: { type: "string", short: "m" },
      "no-follow": { type: "boolean" },
      "expires-in": { type: "string" },
      debug: { type: "boolean" },
    },
    1,
  );
  if (values.help) return { help: true };
  const project = str(values.project);
  if (!project) throw new UsageError("Missing --project <slug>: which project to deploy.", "deploy");
  const env = str(values.env);
  if (env !== undefined && !(ENVIRONMENTS as readonly string[]).includes(env)) {
    throw new UsageError(`--env must be production or preview, not "${env}".`, "deploy");
  }
  return {
    help: false,
    dir: positionals[0] ?? ".",
    project,
    environment: env as Environment | undefined,
    branch: str(values.branch),
    // Messages keep their inner spacing; only the ends are trimmed.
    message: str(values.message),
    follow: !values["no-follow"],
    // Checked by the console, which names what is wrong with it.
    expiresIn: str(values["expires-in"]),
    debug: values.debug === true,
    url: str(values.url),
    token: str(values.token),
  };
}

// The shape of a UUID, any version: the console answers "not found" for the rest.
export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function parsePromoteArgs(argv: string[]): PromoteArgs | Help {
  const { values, positionals } = parse("promote", argv, { ...HELP, ...CONNECTION, "confirm-migrations": { type: "boolean" } }, 1);
  if (values.help) return { help: true };
  const id = positionals[0]?.trim();
  if (!id) throw new UsageError("Missing the deployment id: which deployment to promote.", "promote");
  if (!UUID.test(id)) {
    // The console's titles show 8 characters ("Deployment 0b5ac3c1"); the API needs all of it.
    throw new UsageError(
      `"${id}" is not a deployment id. Give the full id, a UUID like 0b5ac3c1-7c5e-4d8e-9f0a-3a1f6c2d4e5f (in the deployment page's address, or printed by \`slipway deploy\`).`,
      "promote",
    );
  }
  return { help: false, id: id.toLowerCase(), url: str(values.url), token: str(values.token), confirmMigrations: values["confirm-migrations"] === true };
}

const ENV_FLAGS = {
  project: { type: "string", short: "p" },
  environment: { type: "string", short: "e" },
  branch: { type: "string", short: "b" },
} as const satisfies Record<string, OptionSpec>;

// The project, environment and branch of `env pull` / `env push`. A branch
// override is a Preview value, so --branch goes with --environment preview.
function envTarget(command: "env pull" | "env push", values: Values, fallback?: EnvTarget) {
  const project = str(values.project);
  if (!project) throw new UsageError("Missing --project <slug>: whose variables.", command);
  const given = str(values.environment);
  if (given === undefined && !fallback) throw new UsageError("Missing --environment <production|preview|development>: which environment's variables.", command);
  const environment = given ?? fallback!;
  if (!(ENV_TARGETS as readonly string[]).includes(environment)) {
    throw new UsageError(`--environment must be production, preview or development, not "${environment}".`, command);
  }
  const branch = str(values.branch);
  if (branch !== undefined && environment !== "preview") {
    throw new UsageError("--branch needs --environment preview: branch overrides are Preview values.", command);
  }
  return { project, environment: environment as EnvTarget, branch };
}

export function parseEnvPullArgs(argv: string[]): EnvPullArgs | Help {
  const options = { ...HELP, ...CONNECTION, ...ENV_FLAGS, file: { type: "string", short: "f" }, force: { type: "boolean" } } as const;
  const { values } = parse("env pull", argv, options, 0);
  if (values.help) return { help: true };
  return {
    help: false,
    ...envTarget("env pull", values, "development"),
    file: str(values.file) ?? ".env",
    force: Boolean(values.force),
    url: str(values.url),
    token: str(values.token),
  };
}

export function parseEnvPushArgs(argv: string[]): EnvPushArgs | Help {
  const options = {
    ...HELP,
    ...CONNECTION,
    ...ENV_FLAGS,
    sensitive: { type: "boolean" },
    mutable: { type: "boolean" },
    "dry-run": { type: "boolean" },
    yes: { type: "boolean", short: "y" },
  } as const;
  const { values, positionals } = parse("env push", argv, options, 1);
  if (values.help) return { help: true };
  const file = positionals[0]?.trim();
  if (!file) throw new UsageError("Missing the file: which .env file to push, e.g. `slipway env push .env.production`.", "env push");
  return {
    help: false,
    file,
    ...envTarget("env push", values),
    sensitive: Boolean(values.sensitive),
    mutable: Boolean(values.mutable),
    dryRun: Boolean(values["dry-run"]),
    yes: Boolean(values.yes),
    url: str(values.url),
    token: str(values.token),
  };
}

export function parseLoginArgs(argv: string[]): LoginArgs | Help {
  const { values } = parse("login", argv, { ...HELP, ...CONNECTION }, 0);
  if (values.help) return { help: true };
  return { help: false, url: str(values.url), token: str(values.token) };
}

export function parseWhoamiArgs(argv: string[]): PlainArgs | Help {
  const { values } = parse("whoami", argv, { ...HELP, ...CONNECTION }, 0);
  if (values.help) return { help: true };
  return { help: false, url: str(values.url), token: str(values.token) };
}

export function parseLogoutArgs(argv: string[]): PlainArgs | Help {
  const { values } = parse("logout", argv, HELP, 0);
  if (values.help) return { help: true };
  return { help: false };
}

// A console URL: http(s) only, no credentials, query or fragment; returned
// without a trailing slash so paths can be appended.
export function normalizeConsoleUrl(raw: string, source: string): string {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    throw new UsageError(`${source} is not a valid URL: "${raw}". Use e.g. https://slipway.example.com.`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new UsageError(`${source} must be an http:// or https:// URL, not "${raw}".`);
  }
  if (url.username || url.password) throw new UsageError(`${source} must not contain a user name or password.`);
  if (url.search || url.hash) throw new UsageError(`${source} must not have a query string or fragment.`);
  return `${url.origin}${url.pathname.replace(/\/+$/, "")}`;
}

// The directory to deploy must exist and be a directory (a symlink to one is fine).
export async function resolveDeployDir(dir: string, cwd: string): Promise<string> {
  const abs = path.resolve(cwd, dir);
  const info = await stat(abs).catch((e: NodeJS.ErrnoException) => {
    if (e.code === "ENOENT" || e.code === "ENOTDIR") throw new CliError(`Directory "${dir}" does not exist.`);
    if (e.code === "EACCES") throw new CliError(`Directory "${dir}" cannot be read (permission denied).`);
    throw e;
  });
  if (!info.isDirectory()) throw new CliError(`"${dir}" is not a directory. Pass the app's directory.`);
  return abs;
}
