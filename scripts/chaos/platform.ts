// The platform as `npm start` runs it (embedded Postgres, migrations, seed,
// the same environment), but with the console, the worker and the router as
// three children of our own, each in a process group we can SIGKILL and start
// again when the trial says (scripts/start.ts's supervisor would restart them
// at its own time; scripts/heal-trials.ts tries that one). Postgres is not a victim.
import http from "node:http";
import path from "node:path";
import { type Group, onCleanup, sleep, spawnGroup } from "@/bench/lib/proc";
import { createDb, type Db } from "@/lib/db/client";
import { startEmbeddedPostgres } from "@/lib/db/embedded";
import { applyMigrations } from "@/lib/db/migrate";
import { installJobQueue } from "@/lib/jobs/install-queue";
import { childEnv } from "@/lib/platform/child-env";
import { ensureConsoleBuild } from "@/lib/platform/console-build";
import { freePort } from "@/lib/platform/free-port";
import { persistentSecret } from "@/lib/platform/secrets";
import { seedIfEmpty } from "@/lib/platform/seed";
import { routerCommand } from "@/lib/router/router-command";
import { makeDataDir } from "@/lib/testing/platform-process";
import { removeDataDir } from "@/lib/sandbox/workspace";

export const ROLES = ["worker", "router", "console"] as const;
export type Role = (typeof ROLES)[number];

const ROOT = path.resolve(import.meta.dirname, "../..");
const EXIT_WITH_PARENT = path.join(ROOT, "lib/platform/exit-with-parent.mjs");
const NEXT = path.join(ROOT, "node_modules/next/dist/bin/next");
const READY_TIMEOUT_MS = 90_000;

export type ChaosPlatform = Awaited<ReturnType<typeof startChaosPlatform>>;

export async function startChaosPlatform(log: (line: string) => void) {
  const dataDir = makeDataDir();
  const [port, routerPort, adminPort, pgPort] = [await freePort(), await freePort(), await freePort(), await freePort()];
  const pg = await startEmbeddedPostgres({ dataDir, port: pgPort, database: "slipway" });
  const db: Db = createDb(pg.url);
  const groups = new Map<Role, Group>();
  const stop = async () => {
    unregister();
    await Promise.all([...groups.values()].map((g) => g.stop("SIGKILL", 0)));
    await db.$disconnect().catch(() => undefined);
    await pg.stop().catch(() => undefined);
    await removeDataDir(dataDir);
  };
  const unregister = onCleanup(stop);

  await applyMigrations(pg.url);
  await installJobQueue(pg.url);
  await seedIfEmpty(db, { email: "chaos@example.test", password: "chaos-password-1234", demoSource: "examples/static-site" });
  ensureConsoleBuild(ROOT, log);
  const nextAuthSecret = await persistentSecret(dataDir, "nextauth-secret");
  // What scripts/start.ts gives its children, on our ports and data directory.
  const env = childEnv({
    ...process.env,
    PORT: String(port),
    ROUTER_PORT: String(routerPort),
    ROUTER_ADMIN_PORT: String(adminPort),
    DATA_DIR: dataDir,
    BIND_HOST: "127.0.0.1",
    DATABASE_URL: pg.url,
    NEXTAUTH_SECRET: nextAuthSecret,
    NEXTAUTH_URL: `http://localhost:${port}`,
    NEXT_TELEMETRY_DISABLED: "1",
    NODE_ENV: "production",
  });
  // One router process (on Bun, as npm start runs each): killing the router kills all of it.
  const router = routerCommand();
  const node = (args: string[]) => ({ command: process.execPath, args: ["--import", EXIT_WITH_PARENT, ...args], env });
  const commands: Record<Role, { command: string; args: string[]; env: NodeJS.ProcessEnv }> = {
    console: node([NEXT, "start", "-p", String(port), "-H", "127.0.0.1"]),
    worker: node(["--import", "tsx", "lib/worker/main.ts"]),
    router: { command: router.command, args: router.args, env: { ...env, ...router.env } },
  };
  const probes: Record<Role, () => Promise<boolean>> = {
    console: async () => (await httpGet(port, "/api/healthz")) === 200,
    router: async () => (await httpGet(adminPort, "/readyz")) === 200,
    worker: async () => groups.get("worker")?.output().includes("worker ready") ?? false,
  };

  const spawnRole = (role: Role) => {
    const c = commands[role];
    groups.set(role, spawnGroup(c.command, c.args, { cwd: ROOT, env: c.env }));
  };
  const waitReady = async (role: Role) => {
    const deadline = Date.now() + READY_TIMEOUT_MS;
    while (!(await probes[role]())) {
      const g = groups.get(role)!;
      if (g.child.exitCode !== null || g.child.signalCode !== null) throw new Error(`${role} exited while starting:\n${g.output().slice(-4000)}`);
      if (Date.now() > deadline) throw new Error(`${role} not ready in ${READY_TIMEOUT_MS / 1000} s:\n${g.output().slice(-4000)}`);
      await sleep(50);
    }
  };

  for (const role of ROLES) spawnRole(role);
  await Promise.all(ROLES.map(waitReady));

  return {
    db,
    databaseUrl: pg.url,
    dataDir,
    consoleUrl: `http://127.0.0.1:${port}`,
    routerPort,
    /** SIGKILL to the role's whole process group (a build's steps are their own groups). */
    async kill(role: Role) {
      await groups.get(role)?.stop("SIGKILL", 0);
    },
    async restart(role: Role) {
      spawnRole(role);
      await waitReady(role);
    },
    output: (role: Role) => groups.get(role)?.output() ?? "",
    stop,
  };
}

function httpGet(port: number, urlPath: string): Promise<number> {
  return new Promise((resolve) => {
    const req = http.get({ host: "127.0.0.1", port, path: urlPath, agent: false, timeout: 2000 }, (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode ?? 0));
    });
    req.on("timeout", () => req.destroy());
    req.on("error", () => resolve(0));
  });
}
