// `npm start`: the whole platform in one terminal. Postgres (DATABASE_URL or an
// embedded server under DATA_DIR), migrations, first-run seed, then the console,
// the worker and the edge router. Ctrl-C stops everything.
import path from "node:path";
import { ConfigError, loadConfig } from "@/lib/config/env";
import { checkConnection, describeUrl } from "@/lib/db/check-connection";
import { createDb } from "@/lib/db/client";
import { type EmbeddedDb, postgresDataDir, startEmbeddedPostgres } from "@/lib/db/embedded";
import { applyMigrations, MigrationError } from "@/lib/db/migrate";
import { installJobQueue } from "@/lib/jobs/install-queue";
import { ensureConsoleBuild } from "@/lib/platform/console-build";
import { ensureDataDir } from "@/lib/platform/data-dir";
import { sandboxStartLine } from "@/lib/platform/sandbox-notice";
import { persistentSecret } from "@/lib/platform/secrets";
import { seedIfEmpty } from "@/lib/platform/seed";
import { Supervisor, waitForHttp } from "@/lib/platform/supervisor";
import { sandboxMode } from "@/lib/sandbox/sandbox-mode";

const root = path.resolve(import.meta.dirname, "..");
const log = (line: string) => console.log(`[slipway]  ${line}`);

class StartError extends Error {}

let embedded: EmbeddedDb | undefined;
let supervisor: Supervisor | undefined;
let shuttingDown = false;

async function main() {
  const config = loadConfig();
  await ensureDataDir(config.dataDir);
  let databaseUrl = config.DATABASE_URL;
  if (!databaseUrl) {
    const dir = postgresDataDir(config.dataDir);
    log(`starting embedded PostgreSQL (data in ${path.relative(root, dir).startsWith("..") ? dir : path.relative(root, dir)}, port ${config.EMBEDDED_PG_PORT})`);
    embedded = await startEmbeddedPostgres({ dataDir: config.dataDir, port: config.EMBEDDED_PG_PORT, database: "slipway" }).catch((e) => {
      throw new StartError(`Could not start the embedded PostgreSQL on port ${config.EMBEDDED_PG_PORT}: ${e.message ?? e}. Is the port in use? Set EMBEDDED_PG_PORT.`);
    });
    databaseUrl = embedded.url;
  }
  const unreachable = await checkConnection(databaseUrl);
  if (unreachable) throw new StartError(unreachable);

  const { applied } = await applyMigrations(databaseUrl);
  await installJobQueue(databaseUrl);
  log(applied.length ? `applied ${applied.length} migration(s): ${applied.join(", ")}` : "database schema is up to date");

  const db = createDb(databaseUrl);
  const seeded = await seedIfEmpty(db, {
    email: config.SLIPWAY_ADMIN_EMAIL,
    password: config.SLIPWAY_ADMIN_PASSWORD,
    demoSource: "examples/vite-demo",
  });
  await db.$disconnect();

  ensureConsoleBuild(root, log);

  const nextAuthSecret = await persistentSecret(config.dataDir, "nextauth-secret", config.NEXTAUTH_SECRET);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATABASE_URL: databaseUrl,
    NEXTAUTH_SECRET: nextAuthSecret,
    NEXTAUTH_URL: config.consoleUrl,
    NEXT_TELEMETRY_DISABLED: "1",
    NODE_ENV: "production",
  };
  supervisor = new Supervisor(root, (name, code) => {
    log(`${name} exited unexpectedly (code ${code}); stopping Slipway.`);
    void shutdown(1);
  });
  const next = path.join(root, "node_modules/next/dist/bin/next");
  supervisor.start({ name: "console", args: [next, "start", "-p", String(config.PORT), "-H", config.BIND_HOST], env });
  supervisor.start({ name: "worker", args: ["--import", "tsx", "lib/worker/main.ts"], env });
  supervisor.start({ name: "router", args: ["--import", "tsx", "lib/router/main.ts"], env });

  const alive = () => !shuttingDown;
  // Without a sandbox the platform still starts; deploys then fail with the same reason.
  const [sandbox] = await Promise.all([
    sandboxMode(config.SLIPWAY_SANDBOX),
    waitForHttp(`http://127.0.0.1:${config.PORT}/api/healthz`, 60_000, alive),
    // Ready once it serves apps: its route table is loaded and the apps' port open (any answer will do).
    waitForHttp(`http://127.0.0.1:${config.ROUTER_ADMIN_PORT}/readyz`, 30_000, alive).then(() =>
      waitForHttp(`http://127.0.0.1:${config.ROUTER_PORT}/`, 30_000, alive, () => true),
    ),
  ]);
  if (shuttingDown) return;

  log(`console   ${config.consoleUrl}`);
  log(`router    http://localhost:${config.ROUTER_PORT}  (apps at http://<project>.${config.APPS_DOMAIN}:${config.ROUTER_PORT})`);
  log(`database  ${embedded ? "embedded PostgreSQL" : describeUrl(databaseUrl)}`);
  log(sandboxStartLine(sandbox));
  if (seeded?.password) {
    log(`first start: sign in as ${seeded.email} with password ${seeded.password}`);
    log("(shown only this once; set SLIPWAY_ADMIN_EMAIL and SLIPWAY_ADMIN_PASSWORD to choose them)");
  } else if (seeded) {
    log(`first start: sign in as ${seeded.email} with the password from SLIPWAY_ADMIN_PASSWORD`);
  }
  log("ready (Ctrl-C stops everything)");
}

async function shutdown(code: number) {
  if (shuttingDown) return;
  shuttingDown = true;
  if (supervisor || embedded) log("stopping…");
  await supervisor?.stopAll();
  await embedded?.stop().catch(() => undefined);
  process.exit(code);
}

process.on("SIGINT", () => void shutdown(0));
process.on("SIGTERM", () => void shutdown(0));

main().catch(async (e) => {
  const known = e instanceof ConfigError || e instanceof StartError || e instanceof MigrationError;
  console.error(`[slipway]  ${known ? e.message : `start-up failed: ${e?.message ?? e}`}`);
  if (!known && process.env.LOG_LEVEL === "debug") console.error(e);
  await shutdown(1);
});
