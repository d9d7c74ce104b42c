import { spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";

// Turns Prisma datamodels into migration SQL without network access. Prisma 7's
// CLI needs a native schema engine it cannot download here; Prisma 6.19's CLI
// (the `prisma-legacy` alias) bundles a WASM engine that runs through a driver
// adapter, but only for datamodel-to-datamodel diffs: --from-migrations and
// --from-schema-datasource fail through the adapter. The adapter still needs a
// reachable Postgres (any; nothing is written to it).
const ROOT = path.resolve(import.meta.dirname, "../..");
const CLI = path.join(ROOT, "node_modules/prisma-legacy/build/index.js");
const TIMEOUT_MS = 120_000;

// The config resolves the adapter from the repo, since it is written to a temp dir.
const CONFIG = `import { createRequire } from "node:module";
const { PrismaPg } = createRequire(${JSON.stringify(path.join(ROOT, "package.json"))})("@prisma/adapter-pg");
export default {
  experimental: { adapter: true },
  engine: "js",
  schema: "to.prisma",
  async adapter() { return new PrismaPg({ connectionString: process.env.DATABASE_URL }); },
};
`;

// Prisma 6 wants a datasource url and must not see Prisma 7's generator options.
export function toLegacySchema(schema: string): string {
  const withoutGenerators = schema.replace(/^generator\s+\w+\s*\{[^}]*\}\s*/gm, "");
  if (/^\s*url\s*=/m.test(withoutGenerators)) return withoutGenerators;
  return withoutGenerators.replace(/^(datasource\s+\w+\s*\{)/m, '$1\n  url = env("DATABASE_URL")');
}

// SQL that takes a database from `from` (or from empty) to `to`. Returns "" when
// the two datamodels need no change.
export async function schemaToSql(opts: { to: string; from?: string; databaseUrl: string }): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "slipway-schema-sql-"));
  try {
    await writeFile(path.join(dir, "prisma.config.mjs"), CONFIG);
    await writeFile(path.join(dir, "to.prisma"), toLegacySchema(opts.to));
    const from = ["--from-empty"];
    if (opts.from !== undefined) {
      await writeFile(path.join(dir, "from.prisma"), toLegacySchema(opts.from));
      from.splice(0, 1, "--from-schema-datamodel", path.join(dir, "from.prisma"));
    }
    const args = ["migrate", "diff", "--config", path.join(dir, "prisma.config.mjs"), ...from];
    args.push("--to-schema-datamodel", path.join(dir, "to.prisma"), "--script");
    const sql = await runCli(args, opts.databaseUrl);
    return /^-- This is an empty migration\.\s*$/.test(sql.trim()) ? "" : sql;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function runCli(args: string[], databaseUrl: string): Promise<string> {
  const env = {
    ...process.env,
    DATABASE_URL: databaseUrl,
    // Stubs: the adapter path never runs them, but the CLI insists they exist.
    PRISMA_SCHEMA_ENGINE_BINARY: "/bin/true",
    PRISMA_QUERY_ENGINE_LIBRARY: "/bin/true",
    PRISMA_HIDE_UPDATE_MESSAGE: "1",
    CHECKPOINT_DISABLE: "1",
  };
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c) => (stdout += c));
    child.stderr.on("data", (c) => (stderr += c));
    const timer = setTimeout(() => child.kill("SIGKILL"), TIMEOUT_MS);
    child.on("error", reject);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      if (code === 0) return resolve(stdout);
      reject(new Error(`prisma migrate diff failed (${signal ?? `exit ${code}`}): ${stderr.trim() || stdout.trim()}`));
    });
  });
}
