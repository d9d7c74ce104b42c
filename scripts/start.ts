// `npm start`: the whole platform in one terminal. Postgres (DATABASE_URL or an
// embedded server under DATA_DIR), migrations, first-run seed, then the console,
// the worker, the edge router and the runtime of server apps, each kept running by the supervisor
// (lib/platform/supervisor.ts): a process that dies is restarted with backoff,
// and no process's death stops another. Ctrl-C stops everything.
//
// `npm start -- --only router` (or any of postgres, console, worker, router,
// runtime, comma-separated) runs just those, e.g. one systemd unit each, or routers on
// other machines with DATABASE_URL set. Without DATABASE_URL, processes other
// than postgres use the embedded server another `--only postgres` runs.
import os from "node:os";
import path from "node:path";
import { ConfigError, loadConfig } from "@/lib/config/env";
import { checkConnection, describeUrl } from "@/lib/db/check-connection";
import { createDb } from "@/lib/db/client";
import { type EmbeddedDb, embeddedDatabaseUrl, postgresDataDir, startEmbeddedPostgres } from "@/lib/db/embedded";
import { applyMigrations, MigrationError } from "@/lib/db/migrate";
import { installJobQueue } from "@/lib/jobs/install-queue";
import { ensureConsoleBuild } from "@/lib/platform/console-build";
import { ensureDataDir } from "@/lib/platform/data-dir";
import { sandboxStartLine } from "@/lib/platform/sandbox-notice";
import { persistentSecret } from "@/lib/platform/secrets";
import { seedIfEmpty } from "@/lib/platform/seed";
import { processStatusFile } from "@/lib/platform/process-status";
import { commandUnit, type Launched, nodeUnit, Supervisor, waitForHttp } from "@/lib/platform/supervisor";
import { routerCommand } from "@/lib/router/router-command";
import { sandboxMode } from "@/lib/sandbox/sandbox-mode";

const root = path.resolve(import.meta.dirname, "..");
const log = (line: string) => console.log(`[slipway]  ${line}`);

class StartError extends Error {}

let supervisor: Supervisor | undefined;
let shuttingDown = false;

const PROCESSES = ["postgres", "console", "worker", "router", "runtime"] as const;
type ProcessName = (typeof PROCESSES)[number];

// `--only a,b` or `--only=a,b`; every process when absent.
function selectedProcesses(argv: string[]): Set<ProcessName> {
  const i = argv.findIndex((a) => a === "--only" || a.startsWith("--only="));
  if (i === -1) return new Set(PROCESSES);
  const value = argv[i].startsWith("--only=") ? argv[i].slice("--only=".length) : argv[i + 1];
  const names = (value ?? "").split(",").map((n) => n.trim()).filter(Boolean);
  const unknown = names.filter((n) => !(PROCESSES as readonly string[]).includes(n));
  if (names.length === 0 || unknown.length > 0) {
    throw new StartError(`--only takes one or more of ${PROCESSES.join(", ")}, comma-separated${unknown.length ? ` (not ${unknown.map((n) => JSON.stringify(n)).join(", ")})` : ""}.`);
  }
  return new Set(names as ProcessName[]);
}

async function main() {
  const config = loadConfig();
  const only = selectedProcesses(process.argv.slice(2));
  // Port 0 (a free port) is for one router process run directly, as the tests do: npm start's
  // router processes must share one known port.
  if (only.has("router") && (config.ROUTER_PORT === 0 || config.ROUTER_ADMIN_PORT === 0)) {
    throw new StartError("ROUTER_PORT and ROUTER_ADMIN_PORT must be set to a port (not 0) for npm start: its router processes share them.");
  }
  if (config.DATABASE_URL && only.size === 1 && only.has("postgres")) {
    throw new StartError("--only postgres runs the embedded PostgreSQL, which is not used when DATABASE_URL is set.");
  }
  await ensureDataDir(config.dataDir);
  supervisor = new Supervisor({ log, statusFile: processStatusFile(config.dataDir) });
  let databaseUrl = config.DATABASE_URL;
  let embedded = false;
  if (!databaseUrl && only.has("postgres")) {
    const dir = postgresDataDir(config.dataDir);
    log(`starting embedded PostgreSQL (data in ${path.relative(root, dir).startsWith("..") ? dir : path.relative(root, dir)}, port ${config.EMBEDDED_PG_PORT})`);
    const start = () => startEmbeddedPostgres({ dataDir: config.dataDir, port: config.EMBEDDED_PG_PORT, database: "slipway" });
    // The first start says plainly what is wrong; later ones (after a crash) are the supervisor's.
    let first: EmbeddedDb | undefined = await start().catch((e) => {
      throw new StartError(`Could not start the embedded PostgreSQL on port ${config.EMBEDDED_PG_PORT}: ${e.message ?? e}. Is the port in use? Set EMBEDDED_PG_PORT.`);
    });
    databaseUrl = first.url;
    embedded = true;
    await supervisor.add({
      name: "postgres",
      async launch(): Promise<Launched> {
        const server = first ?? (await start());
        first = undefined;
        return { pid: server.pid, exited: server.exited, stop: server.stop, lastLine: () => null };
      },
    });
  } else if (!databaseUrl) {
    databaseUrl = (() => {
      try {
        return embeddedDatabaseUrl(config.dataDir, config.EMBEDDED_PG_PORT);
      } catch (e) {
        throw new StartError(`${(e as Error).message} Or set DATABASE_URL.`);
      }
    })();
  }
  const unreachable = await checkConnection(databaseUrl);
  if (unreachable) throw new StartError(only.has("postgres") || config.DATABASE_URL ? unreachable : `${unreachable} Start the database first (npm start -- --only postgres), or set DATABASE_URL.`);

  const { applied } = await applyMigrations(databaseUrl);
  await installJobQueue(databaseUrl);
  log(applied.length ? `applied ${applied.length} migration(s): ${applied.join(", ")}` : "database schema is up to date");

  const db = createDb(databaseUrl);
  const seeded = only.has("console")
    ? await seedIfEmpty(db, {
        email: config.SLIPWAY_ADMIN_EMAIL,
        password: config.SLIPWAY_ADMIN_PASSWORD,
        demoSource: "examples/vite-demo",
      })
    : null;
  await db.$disconnect();

  if (only.has("console")) ensureConsoleBuild(root, log);

  const nextAuthSecret = await persistentSecret(config.dataDir, "nextauth-secret", config.NEXTAUTH_SECRET);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATABASE_URL: databaseUrl,
    NEXTAUTH_SECRET: nextAuthSecret,
    NEXTAUTH_URL: config.consoleUrl,
    NEXT_TELEMETRY_DISABLED: "1",
    NODE_ENV: "production",
  };
  const next = path.join(root, "node_modules/next/dist/bin/next");
  const units = {
    console: [next, "start", "-p", String(config.PORT), "-H", config.BIND_HOST],
    worker: ["--import", "tsx", "lib/worker/main.ts"],
    // Server apps' instances, one runtime per machine (lib/runtime/), on Node like the function hosts.
    runtime: ["--import", "tsx", "lib/runtime/main.ts"],
  };
  for (const [name, args] of Object.entries(units)) {
    if (only.has(name as ProcessName)) await supervisor.add(nodeUnit(root, { name, args, env }));
  }
  // The router: ROUTER_WORKERS processes on Bun (default one per core), each a
  // unit of its own ("router", "router-2", ...) sharing the ports by reusePort.
  if (only.has("router")) {
    const router = routerCommand();
    const count = config.ROUTER_WORKERS || os.availableParallelism();
    for (let i = 1; i <= count; i++) {
      const name = i === 1 ? "router" : `router-${i}`;
      await supervisor.add(commandUnit(root, { name, command: router.command, args: router.args, env: { ...env, ...router.env } }));
    }
  }

  const alive = () => !shuttingDown;
  // Without a sandbox the platform still starts; deploys then fail with the same reason.
  const [sandbox] = await Promise.all([
    sandboxMode(config.SLIPWAY_SANDBOX),
    only.has("console") && waitForHttp(`http://127.0.0.1:${config.PORT}/api/healthz`, 60_000, alive),
    // Ready once it serves apps: its route table is loaded and the apps' port open (any answer will do).
    only.has("router") &&
      waitForHttp(`http://127.0.0.1:${config.ROUTER_ADMIN_PORT}/readyz`, 30_000, alive).then(() =>
        waitForHttp(`http://127.0.0.1:${config.ROUTER_PORT}/`, 30_000, alive, () => true),
      ),
  ]);
  if (shuttingDown) return;

  if (only.has("console")) log(`console   ${config.consoleUrl}`);
  if (only.has("router")) log(`router    http://localhost:${config.ROUTER_PORT}  (apps at http://<project>.${config.APPS_DOMAIN}:${config.ROUTER_PORT})`);
  log(`database  ${embedded ? "embedded PostgreSQL" : describeUrl(databaseUrl)}`);
  if (only.size < PROCESSES.length) log(`running   ${[...only].join(", ")} (--only)`);
  log(sandboxStartLine(sandbox));
  if (seeded?.password) {
    log(`first start: sign in as ${seeded.email} with password ${seeded.password}`);
    log("(shown only this once; set SLIPWAY_ADMIN_EMAIL and SLIPWAY_ADMIN_PASSWORD to choose them)");
  } else if (seeded) {
    log(`first start: sign in as ${seeded.email} with the password from SLIPWAY_ADMIN_PASSWORD`);
  }
  log("ready (Ctrl-C stops everything; a process that dies is restarted)");
}

async function shutdown(code: number) {
  if (shuttingDown) return;
  shuttingDown = true;
  if (supervisor && supervisor.status().length > 0) log("stopping…");
  await supervisor?.stopAll();
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
