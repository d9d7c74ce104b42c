import { loadConfig } from "@/lib/config/env";
import { buildSandbox } from "@/lib/build/build-deps";
// What the router benches share: a temporary Postgres with the schema, a
// DATA_DIR whose store holds the bundles, a project, deployments of given
// files built and published by the real build job, and the edge router
// started as the platform starts it (lib/router/main.ts on Bun, one process
// per worker). lib/testing/* is not used: it needs vitest.
import { createReadStream } from "node:fs";
import { mkdir, mkdtemp, readdir, readFile, readlink, rm, stat, writeFile } from "node:fs/promises";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { Readable } from "node:stream";
import { onCleanup, sleep, spawnGroup } from "@/bench/lib/proc";
import { packDirectory } from "@/lib/archive/pack-directory";
import { type Ctx, userCtx } from "@/lib/auth/ctx";
import type { BuildDeps } from "@/lib/build/build-context";
import { runBuild } from "@/lib/build/run-build";
import { createLocalStore } from "@/lib/bundles/store/local-store";
import { createDb, type Db } from "@/lib/db/client";
import { applyMigrations } from "@/lib/db/migrate";
import { startTempPostgres } from "@/lib/db/temp-postgres";
import { createDeployment } from "@/lib/deployments/create-deployment";
import { installJobQueue } from "@/lib/jobs/install-queue";
import { childEnv } from "@/lib/platform/child-env";
import { freePort } from "@/lib/platform/free-port";
import { createProject } from "@/lib/projects/create-project";
import { parseSecretKey } from "@/lib/secrets/keyring";
import { routerCommand } from "@/lib/router/router-command";
import { removeDataDir } from "@/lib/sandbox/workspace";

const ROOT = path.resolve(import.meta.dirname, "../..");

export type Platform = {
  db: Db;
  databaseUrl: string;
  dataDir: string;
  secretKey: string;
  stop: () => Promise<void>;
};

export type Project = { ctx: Ctx; id: string; slug: string; host: string };
export type Deployed = { id: string; sha: string; outcome: "live" | "canary" };

/** Temporary Postgres (migrated, job queue installed) and DATA_DIR, removed by stop(). */
export async function startPlatform(): Promise<Platform> {
  const secretKey = (process.env.SLIPWAY_SECRET_KEY ??= "11".repeat(32));
  const dataDir = await mkdtemp(path.join(os.tmpdir(), "bench-router-data-"));
  // The verbs (createDeployment's upload, the store) read DATA_DIR from the environment.
  process.env.DATA_DIR = dataDir;
  let pg: Awaited<ReturnType<typeof startTempPostgres>> | undefined;
  let db: Db | undefined;
  const stop = async () => {
    unregister();
    await db?.$disconnect().catch(() => undefined);
    await pg?.stop().catch((e) => console.error(`stopping Postgres: ${(e as Error).message}`));
    await removeDataDir(dataDir);
  };
  const unregister = onCleanup(stop);
  try {
    pg = await startTempPostgres();
    await applyMigrations(pg.url);
    await installJobQueue(pg.url);
    db = createDb(pg.url);
    return { db, databaseUrl: pg.url, dataDir, secretKey, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}

export async function seedProject(p: Platform, name: string): Promise<Project> {
  const suffix = Math.random().toString(16).slice(2, 10);
  const user = await p.db.user.create({ data: { email: `bench-${suffix}@example.test`, name: "Bench", passwordHash: "x" } });
  const team = await p.db.team.create({ data: { slug: `bench-${suffix}`, name: "Bench" } });
  await p.db.membership.create({ data: { teamId: team.id, userId: user.id, role: "owner" } });
  const ctx = userCtx(p.db, user.id);
  const project = await createProject({ ctx, input: { teamId: team.id, name, slug: `${name}-${suffix}`, sourceKind: "archive" } });
  return { ctx, id: project.id, slug: project.slug, host: `${project.slug}.localhost` };
}

/**
 * Deploys an app made of `files` (served at the site's root) the way the CLI
 * and the worker do: packed, uploaded, built by the build job, published.
 * Being a production deploy, it goes live when the build ends, unless `canary`
 * (slipway.json's setting, "skip" by default) starts a rollout against the live one.
 */
export async function deployFiles(p: Platform, project: Project, files: Record<string, string | Buffer>, opts: { canary?: unknown } = {}): Promise<Deployed> {
  const app = await mkdtemp(path.join(os.tmpdir(), "bench-router-app-"));
  try {
    await mkdir(path.join(app, "files"));
    for (const [name, content] of Object.entries(files)) {
      const file = path.join(app, "files", name);
      await mkdir(path.dirname(file), { recursive: true });
      await writeFile(file, content);
    }
    await writeFile(path.join(app, "slipway.json"), JSON.stringify({ installCommand: "true", buildCommand: "mkdir -p dist && cp -r files/* dist/", canary: opts.canary ?? "skip" }));
    return await deployDirectory(p, project, app);
  } finally {
    await rm(app, { recursive: true, force: true });
  }
}

/** The build job's dependencies over the bench's platform. */
export function benchBuildDeps(p: Platform): BuildDeps {
  return {
    db: p.db,
    databaseUrl: p.databaseUrl,
    store: createLocalStore(path.join(p.dataDir, "store")),
    dataDir: p.dataDir,
    secretKey: parseSecretKey(p.secretKey),
    workerId: "bench",
    allowLocalGit: false,
    stepTimeoutMs: 600_000,
    maxLogBytes: 5 << 20,
    sandbox: buildSandbox(loadConfig()),
    runtimeStartTimeoutMs: 120_000,
  };
}

/** Deploys an app directory as it is (its slipway.json decides the build): packed, uploaded, built, published. */
export async function deployDirectory(p: Platform, project: Project, app: string, input: Record<string, unknown> = {}): Promise<Deployed> {
  const archive = path.join(p.dataDir, `upload-${Math.random().toString(16).slice(2)}.tar.gz`);
  try {
    await packDirectory(app, archive);
    const body = Readable.toWeb(createReadStream(archive)) as ReadableStream<Uint8Array>;
    const { deployment } = await createDeployment({ ctx: project.ctx, slug: project.slug, input, upload: { body, declaredBytes: (await stat(archive)).size } });
    const outcome = await runBuild(deployment.id, benchBuildDeps(p));
    const row = await p.db.deployment.findUniqueOrThrow({ where: { id: deployment.id } });
    if (outcome !== "live" && outcome !== "canary") throw new Error(`bench deploy ended ${outcome}: ${row.failureReason}`);
    return { id: row.id, sha: row.commitSha, outcome };
  } finally {
    await rm(archive, { force: true });
  }
}

export type RouterProcess = {
  /** The first router process. */
  pid: number;
  port: number;
  adminPort: number;
  /** Every router process (one Bun process each, sharing the ports by reusePort). */
  workerPids: number[];
  output: () => string;
  stop: () => Promise<void>;
};

/** GET `urlPath` of 127.0.0.1:`port` on a new connection, its status and JSON body; null if it fails. */
export function getJson(port: number, urlPath: string): Promise<{ status: number; body: Record<string, unknown> } | null> {
  return new Promise((resolve) => {
    // agent: false, a new connection each time: the kernel hands each to one of the processes.
    const req = http.get({ host: "127.0.0.1", port, path: urlPath, agent: false, timeout: 2000 }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => (text += c));
      res.on("end", () => {
        try {
          resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) });
        } catch {
          resolve({ status: res.statusCode ?? 0, body: {} });
        }
      });
    });
    req.on("timeout", () => req.destroy());
    req.on("error", () => resolve(null));
  });
}

/**
 * The router as the platform runs it (lib/router/main.ts on Bun), `workers`
 * processes sharing free ports, with a minimal environment; resolves when
 * every one of them answers /readyz with "ready" (route table loaded,
 * database up).
 */
export async function startRouterProcess(p: Platform, workers: number, timeoutMs = 60_000, extraEnv: Record<string, string> = {}): Promise<RouterProcess> {
  const [port, adminPort] = [await freePort(), await freePort()];
  const cmd = routerCommand();
  const env = childEnv({
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    NODE_ENV: "production",
    DATABASE_URL: p.databaseUrl,
    DATA_DIR: p.dataDir,
    SLIPWAY_SECRET_KEY: p.secretKey,
    APPS_DOMAIN: "localhost",
    BIND_HOST: "127.0.0.1",
    ROUTER_PORT: String(port),
    ROUTER_ADMIN_PORT: String(adminPort),
    ...cmd.env,
    ...extraEnv,
  });
  const groups = Array.from({ length: workers }, () => spawnGroup(cmd.command, cmd.args, { cwd: ROOT, env }));
  const output = () => groups.map((g) => g.output()).join("\n");
  const stop = async () => {
    unregister();
    await Promise.all(groups.map((g) => g.stop("SIGTERM", 5000)));
  };
  const unregister = onCleanup(stop);
  const exits: { code: number | null; signal: string | null }[] = [];
  for (const g of groups) void g.exited.then((e) => exits.push(e));
  const pids = new Set(groups.map((g) => g.child.pid!));
  const ready = new Set<number>();
  const deadline = Date.now() + timeoutMs;
  let last = "";
  while (ready.size < workers) {
    if (exits.length > 0) {
      await stop();
      throw new Error(`a router process exited (${JSON.stringify(exits[0])}) before it was ready; output:\n${output()}`);
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`the router was not ready within ${timeoutMs / 1000} s (last /readyz: ${last}); output:\n${output()}`);
    }
    // The admin port is shared too: each answer comes from one of the processes.
    const r = await getJson(adminPort, "/readyz");
    if (r) {
      last = `${r.status} ${JSON.stringify(r.body)}`;
      if (r.status === 200 && r.body.status === "ready" && typeof r.body.pid === "number" && pids.has(r.body.pid)) ready.add(r.body.pid);
    }
    if (ready.size < workers) await sleep(r ? 5 : 200);
  }
  return { pid: groups[0].child.pid!, port, adminPort, workerPids: [...pids], output, stop };
}

export type Reply = { status: number; headers: http.IncomingHttpHeaders; body: Buffer };

/** One request with any Host header (fetch cannot set it). */
export function request(port: number, host: string, urlPath: string, headers: Record<string, string> = {}, agent: http.Agent | false = false): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: "127.0.0.1", port, path: urlPath, headers: { ...headers, host }, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end();
  });
}

// Socket inode → the process holding it, for these processes (from their file descriptors).
async function socketInodes(pids: number[]): Promise<Map<string, number>> {
  const inodeToPid = new Map<string, number>();
  for (const pid of pids) {
    const fds = await readdir(`/proc/${pid}/fd`).catch(() => [] as string[]);
    for (const fd of fds) {
      const link = await readlink(`/proc/${pid}/fd/${fd}`).catch(() => "");
      const m = /^socket:\[(\d+)\]$/.exec(link);
      if (m) inodeToPid.set(m[1], pid);
    }
  }
  return inodeToPid;
}

type TcpSocket = { localPort: number; remotePort: number; established: boolean; inode: string };

// Every TCP socket of this network namespace, from /proc/net/tcp and tcp6.
async function tcpSockets(): Promise<TcpSocket[]> {
  const sockets: TcpSocket[] = [];
  for (const file of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    const text = await readFile(file, "utf8").catch(() => "");
    for (const line of text.split("\n").slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols.length < 10) continue;
      sockets.push({ localPort: parseInt(cols[1].split(":").pop()!, 16), remotePort: parseInt(cols[2].split(":").pop()!, 16), established: cols[3] === "01", inode: cols[9] });
    }
  }
  return sockets;
}

/**
 * Which process holds the server side of each TCP connection to `serverPort`
 * whose client side is one of `clientPorts` (Linux only). Unknown connections are left out.
 */
export async function connectionOwners(pids: number[], serverPort: number, clientPorts: number[]): Promise<Map<number, number>> {
  const inodeToPid = await socketInodes(pids);
  const wanted = new Set(clientPorts);
  const owners = new Map<number, number>();
  for (const s of await tcpSockets()) {
    if (s.localPort !== serverPort || !wanted.has(s.remotePort)) continue;
    const pid = inodeToPid.get(s.inode);
    if (pid !== undefined) owners.set(s.remotePort, pid);
  }
  return owners;
}

/** Established connections to `serverPort`: how many `pids` hold, and how many no one of them does (not accepted yet, or held elsewhere). */
export async function connectionCensus(pids: number[], serverPort: number): Promise<{ held: number; elsewhere: number }> {
  const inodeToPid = await socketInodes(pids);
  let held = 0;
  let elsewhere = 0;
  for (const s of await tcpSockets()) {
    if (s.localPort !== serverPort || !s.established) continue;
    if (inodeToPid.has(s.inode)) held++;
    else elsewhere++;
  }
  return { held, elsewhere };
}
