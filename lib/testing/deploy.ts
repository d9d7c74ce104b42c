import { createReadStream } from "node:fs";
import { mkdir, mkdtemp, rm, stat, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { Readable } from "node:stream";
import { afterAll } from "vitest";
import { packDirectory } from "@/lib/archive/pack-directory";
import { type Ctx, userCtx } from "@/lib/auth/ctx";
import type { BuildDeps } from "@/lib/build/build-context";
import { buildSandbox } from "@/lib/build/build-deps";
import { loadConfig } from "@/lib/config/env";
import { createLocalStore } from "@/lib/bundles/store/local-store";
import type { Db } from "@/lib/db/client";
import { Prisma } from "@/lib/generated/prisma/client";
import { createDeployment } from "@/lib/deployments/create-deployment";
import { createProject } from "@/lib/projects/create-project";
import { parseSecretKey } from "@/lib/secrets/keyring";
import { seal } from "@/lib/secrets/seal";
import { removeDataDir } from "@/lib/sandbox/workspace";
import { makeDataDir } from "@/lib/testing/platform-process";
import { seedTeam, unique } from "@/lib/testing/seed";

// A DATA_DIR of this test file's own (verbs read it from the environment), and
// build dependencies pointing at it, with short limits for tests.
export function testDataDir(): string {
  const dir = makeDataDir();
  process.env.DATA_DIR = dir;
  process.env.SLIPWAY_SECRET_KEY = "11".repeat(32);
  afterAll(() => removeDataDir(dir));
  return dir;
}

export const testSecretKey = () => parseSecretKey("11".repeat(32));

export function testBuildDeps(db: Db, databaseUrl: string, dataDir: string, over: Partial<BuildDeps> = {}): BuildDeps {
  return {
    db,
    databaseUrl,
    store: createLocalStore(path.join(dataDir, "store")),
    dataDir,
    secretKey: testSecretKey(),
    workerId: "test-worker",
    allowLocalGit: true,
    stepTimeoutMs: 60_000,
    maxLogBytes: 5 << 20,
    heartbeatMs: 200,
    sandbox: buildSandbox(loadConfig()),
    ...over,
  };
}

// An app directory made of the given files (path → content).
export async function makeApp(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "slipway-app-"));
  for (const [name, content] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(dir, name)), { recursive: true });
    await writeFile(path.join(dir, name), content);
  }
  afterAll(() => removeDataDir(dir));
  return dir;
}

// A project of an archive-deployed app, and its owner's ctx. Its deployments
// go live at once ("skip" canary rollouts) unless `rolloutSettings` says
// otherwise: most tests deploy twice and expect the second to be live; the
// rollout tests pass settings (or null for the platform's default).
export async function seedArchiveProject(db: Db, { rolloutSettings = "skip" }: { rolloutSettings?: Prisma.InputJsonValue | null } = {}) {
  const { team, user } = await seedTeam(db, "owner");
  const ctx = userCtx(db, user.id);
  const created = await createProject({ ctx, input: { teamId: team.id, name: "App", slug: unique("app"), sourceKind: "archive" } });
  const project = await db.project.update({ where: { id: created.id }, data: { rolloutSettings: rolloutSettings ?? Prisma.DbNull } });
  return { team, user, project, ctx };
}

// Deploys a directory the way the CLI does: packed, uploaded as a stream.
export async function deployDir(ctx: Ctx, slug: string, dir: string, input: Record<string, unknown> = {}) {
  const file = path.join(os.tmpdir(), `${unique("upload")}.tar.gz`);
  try {
    await packDirectory(dir, file);
    const body = Readable.toWeb(createReadStream(file)) as ReadableStream<Uint8Array>;
    return (await createDeployment({ ctx, slug, input, upload: { body, declaredBytes: (await stat(file)).size } })).deployment;
  } finally {
    await rm(file, { force: true });
  }
}

export async function seedEnvVar(
  db: Db,
  projectId: string,
  v: { key: string; value: string; sensitive?: boolean; mutable?: boolean; targets?: ("production" | "preview" | "development")[]; branch?: string },
) {
  const key = testSecretKey();
  return db.envVar.create({
    data: {
      projectId,
      key: v.key,
      valueEnc: seal(key, v.value),
      keyId: key.id,
      targets: v.targets ?? ["production", "preview"],
      branch: v.branch ?? null,
      sensitive: v.sensitive ?? false,
      mutable: v.mutable ?? false,
    },
  });
}
