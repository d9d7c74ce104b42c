import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { rename, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runBuild } from "@/lib/build/run-build";
import { createDb, type Db } from "@/lib/db/client";
import { applyMigrations } from "@/lib/db/migrate";
import { withPg } from "@/lib/db/with-pg";
import { installJobQueue } from "@/lib/jobs/install-queue";
import { request, startTestRouter, until } from "@/lib/router/testing";
import { persistentSecret, replaceSecretFile } from "@/lib/platform/secrets";
import { KEY_FILE, keyFilePath, NEXT_KEY_FILE, PREVIOUS_KEY_FILE } from "@/lib/secrets/key-files";
import { loadSecretKey, parseSecretKey, type SecretKey } from "@/lib/secrets/keyring";
import { RotateError, rotateKeys } from "@/lib/secrets/rotate-keys";
import { seal, sealedKeyId, unseal } from "@/lib/secrets/seal";
import { createTestDatabase } from "@/lib/testing/db";
import { deployDir, makeApp, seedArchiveProject, testBuildDeps, testDataDir } from "@/lib/testing/deploy";

// Each test rotates a whole database of its own (the shared one holds other
// tests' values under the test key), with keys in a directory of its own.
const dataDir = testDataDir();
const cleanups: (() => Promise<unknown>)[] = [];
afterAll(() => Promise.all(cleanups.map((c) => c())));

async function freshDb(): Promise<{ url: string; db: Db }> {
  const url = await createTestDatabase();
  await applyMigrations(url);
  await installJobQueue(url);
  const db = createDb(url);
  cleanups.push(() => db.$disconnect());
  return { url, db };
}

function keysDir(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), "slipway-rotate-"));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

const env = (vars: Record<string, string>) => vars as NodeJS.ProcessEnv;
const hexKey = () => randomBytes(32).toString("hex");

// An app whose function answers with the variables it was given.
const FN = `export default async () => new Response(JSON.stringify({ secret: process.env.API_SECRET ?? null, greeting: process.env.PUBLIC_GREETING ?? null }), { headers: { "content-type": "application/json" } });`;
const app = () =>
  makeApp({
    "src/index.html": "home",
    "src/api/env.js": FN,
    "slipway.json": JSON.stringify({ installCommand: "true", buildCommand: "mkdir -p dist/api && cp src/index.html dist/ && cp src/api/env.js dist/api/" }),
  });

async function addVar(db: Db, projectId: string, key: SecretKey, name: string, value: string) {
  return db.envVar.create({
    data: { projectId, key: name, valueEnc: seal(key, value), keyId: key.id, targets: ["production", "preview"], sensitive: name === "API_SECRET" },
  });
}

// Flips one bit of the ciphertext: the value still names its key, but no longer opens.
function damage(sealed: string): string {
  const parts = sealed.split(".");
  const body = Buffer.from(parts[3], "base64url");
  body[0] ^= 1;
  parts[3] = body.toString("base64url");
  return parts.join(".");
}

describe("key rotation", () => {
  it("rotates a generated key in several batches, resumes after being stopped, and then needs only the new key", async () => {
    const { url, db } = await freshDb();
    const dir = keysDir();
    const keys = env({ DATA_DIR: dir });
    const running = await loadSecretKey(keys);
    const keyA = running.id;
    const materialA = readFileSync(keyFilePath(dir, KEY_FILE), "utf8").trim();

    const { ctx, project } = await seedArchiveProject(db);
    const values: Record<string, string> = {
      API_SECRET: "s3cret-value-7f3a",
      PUBLIC_GREETING: "hello from production",
      DATABASE_URL: "postgres://app:pw-91c2@db.internal/app",
      STRIPE_KEY: "sk_live_0c4f1e",
      FEATURE_FLAGS: "a,b,c",
      REGION: "eu-west-1",
    };
    for (const [name, value] of Object.entries(values)) await addVar(db, project.id, running, name, value);
    await db.project.update({ where: { id: project.id }, data: { webhookSecretEnc: seal(running, "whsec_5d1e") } });
    const before = await db.envVar.findMany({ where: { projectId: project.id } });

    // A live deployment: its runtime set is sealed under key A by the build.
    const d = await deployDir(ctx, project.slug, await app());
    expect(await runBuild(d.id, testBuildDeps(db, url, dataDir, { secretKey: running }))).toBe("live");
    expect(sealedKeyId((await db.deployment.findUniqueOrThrow({ where: { id: d.id } })).runtimeEnvEnc!)).toBe(keyA);

    const lines: string[] = [];
    const rotate = (over: { maxBatches?: number } = {}) => rotateKeys({ databaseUrl: url, env: keys, batchSize: 2, graceMs: 0, log: (l) => lines.push(l), ...over });

    // Stopped after one batch, as a kill would: two values are under the new key, the old key is still current.
    const stopped = await rotate({ maxBatches: 1 });
    expect(stopped).toMatchObject({ mode: "generated", finished: false, resealed: 2 });
    const keyB = stopped.keyId;
    expect(keyB).not.toBe(keyA);
    expect(existsSync(keyFilePath(dir, NEXT_KEY_FILE))).toBe(true);
    expect(parseSecretKey(readFileSync(keyFilePath(dir, KEY_FILE), "utf8")).id).toBe(keyA);
    const moved = await db.envVar.findMany({ where: { keyId: keyB } });
    expect(moved).toHaveLength(2);

    // A process still holding only key A meets a value under B: it reloads the key files and opens it.
    expect(unseal(running, moved[0].valueEnc)).toBe(values[moved[0].key]);

    const resumed = await rotate();
    expect(resumed).toMatchObject({ mode: "generated", finished: true, keyId: keyB, unreadable: [] });
    expect(resumed.resealed).toBe(4 + 1 + 1); // the other env values, the runtime set, the webhook secret
    expect(lines.filter((l) => /^re-sealed \d+\/4 env values$/.test(l))).toEqual(["re-sealed 2/4 env values", "re-sealed 4/4 env values"]);
    expect(lines).toContain("re-sealed 1/1 deployment runtime sets");

    // The old key file is gone; secret-key is key B, alone.
    expect(readdirSync(path.join(dir, "secrets"))).toEqual([KEY_FILE]);
    const onlyB = parseSecretKey(readFileSync(keyFilePath(dir, KEY_FILE), "utf8"));
    expect(onlyB.id).toBe(keyB);
    expect(onlyB.previous).toBeUndefined();

    // Every value opens with key B alone; a re-seal is not an edit (updatedAt kept).
    for (const row of await db.envVar.findMany({ where: { projectId: project.id } })) {
      expect(row.keyId).toBe(keyB);
      expect(sealedKeyId(row.valueEnc)).toBe(keyB);
      expect(unseal(onlyB, row.valueEnc)).toBe(values[row.key]);
      expect(row.updatedAt).toEqual(before.find((b) => b.id === row.id)!.updatedAt);
    }
    const runtime = (await db.deployment.findUniqueOrThrow({ where: { id: d.id } })).runtimeEnvEnc!;
    expect(JSON.parse(unseal(onlyB, runtime))).toEqual(values);
    expect(unseal(onlyB, (await db.project.findUniqueOrThrow({ where: { id: project.id } })).webhookSecretEnc!)).toBe("whsec_5d1e");

    // A router holding only key B runs the function with its variables; a new deploy builds with them.
    const router = await startTestRouter(url, dataDir, { secretKey: onlyB });
    const res = await request(router.port, `${project.slug}.localhost`, "/api/env");
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body.toString())).toEqual({ secret: values.API_SECRET, greeting: values.PUBLIC_GREETING });
    const again = await deployDir(ctx, project.slug, await app());
    expect(await runBuild(again.id, testBuildDeps(db, url, dataDir, { secretKey: onlyB }))).toBe("live");

    // What it printed names key ids, never keys or values.
    const printed = lines.join("\n");
    for (const v of [...Object.values(values), "whsec_5d1e", materialA, onlyB.key.toString("base64url"), onlyB.key.toString("hex")]) {
      expect(printed).not.toContain(v);
    }
    expect(printed).toContain(keyB);
  });

  it("fails the deploy that needs an undecryptable value, naming the variable, and never runs a function without its variables", async () => {
    const { url, db } = await freshDb();
    const key = parseSecretKey(hexKey());
    const deps = () => testBuildDeps(db, url, dataDir, { secretKey: key });
    const { ctx, project } = await seedArchiveProject(db);
    await addVar(db, project.id, key, "PUBLIC_GREETING", "hi");
    const secret = await addVar(db, project.id, key, "API_SECRET", "s3cret");

    await db.envVar.update({ where: { id: secret.id }, data: { valueEnc: damage(secret.valueEnc) } });
    const corrupted = await deployDir(ctx, project.slug, await app());
    expect(await runBuild(corrupted.id, deps())).toBe("failed");
    expect(await db.deployment.findUniqueOrThrow({ where: { id: corrupted.id } })).toMatchObject({
      status: "failed",
      failureStage: "setup",
      failureReason: "Variable API_SECRET could not be decrypted: the stored value is damaged (it failed its integrity check)",
      runtimeEnvEnc: null,
    });

    const gone = parseSecretKey(hexKey());
    await db.envVar.update({ where: { id: secret.id }, data: { valueEnc: seal(gone, "s3cret"), keyId: gone.id } });
    const keyMissing = await deployDir(ctx, project.slug, await app());
    expect(await runBuild(keyMissing.id, deps())).toBe("failed");
    expect((await db.deployment.findUniqueOrThrow({ where: { id: keyMissing.id } })).failureReason).toBe(
      `Variable API_SECRET could not be decrypted: it was sealed with key ${gone.id}, which this server does not have`,
    );

    // A live deployment whose stored runtime set was damaged: its functions answer 500, its files still serve.
    await db.envVar.update({ where: { id: secret.id }, data: { valueEnc: seal(key, "s3cret"), keyId: key.id } });
    const live = await deployDir(ctx, project.slug, await app());
    expect(await runBuild(live.id, deps())).toBe("live");
    const runtime = (await db.deployment.findUniqueOrThrow({ where: { id: live.id } })).runtimeEnvEnc!;
    await db.deployment.update({ where: { id: live.id }, data: { runtimeEnvEnc: damage(runtime) } });
    const logged: string[] = [];
    const router = await startTestRouter(url, dataDir, { secretKey: key, log: (l) => logged.push(l) });
    const host = `${project.slug}.localhost`;
    const res = await request(router.port, host, "/api/env");
    expect(res.status).toBe(500);
    expect(res.headers["x-slipway-deployment"]).toBe(live.id);
    expect(res.body.toString()).toContain("could not be decrypted");
    expect(res.body.toString()).not.toContain("greeting");
    // The router's lines come through its stdout, which may arrive after the response.
    const line = `runtime variables of ${live.id} could not be decrypted: the stored value is damaged (it failed its integrity check)`;
    await until(async () => logged.includes(line), 5000, 20);
    expect(logged).toContain(line);
    expect(await request(router.port, host, "/")).toMatchObject({ status: 200, body: Buffer.from("home") });
  });

  it("re-seals under an env-managed key, says when SLIPWAY_PREVIOUS_SECRET_KEYS is no longer needed, and leaves values no key opens", async () => {
    const { url, db } = await freshDb();
    const dir = keysDir();
    const [a, b] = [hexKey(), hexKey()];
    const [keyA, keyB] = [parseSecretKey(a), parseSecretKey(b)];
    const { project } = await seedArchiveProject(db);
    for (const name of ["ONE", "TWO", "THREE"]) await addVar(db, project.id, keyA, name, `value of ${name}`);
    const lost = await addVar(db, project.id, parseSecretKey(hexKey()), "LOST", "nobody has this key");
    const run = async (vars: Record<string, string>) => {
      const lines: string[] = [];
      const result = await rotateKeys({ databaseUrl: url, env: env({ DATA_DIR: dir, ...vars }), batchSize: 2, graceMs: 0, log: (l) => lines.push(l) });
      return { result, printed: lines.join("\n") };
    };

    // The operator set the new key but forgot the old one: nothing opens, nothing changes, nothing is called unneeded.
    const forgot = await run({ SLIPWAY_SECRET_KEY: b });
    expect(forgot.result).toMatchObject({ mode: "env", keyId: keyB.id, finished: true, resealed: 0 });
    expect(forgot.result.unreadable).toHaveLength(4);
    expect(forgot.printed).not.toContain("no longer needed");
    expect(await db.envVar.count({ where: { projectId: project.id, keyId: keyA.id } })).toBe(3);

    const withOld = await run({ SLIPWAY_SECRET_KEY: b, SLIPWAY_PREVIOUS_SECRET_KEYS: a });
    expect(withOld.result).toMatchObject({ finished: true, resealed: 3 });
    expect(withOld.result.unreadable).toEqual([{ what: `variable LOST of ${project.slug}`, reason: `it was sealed with key ${lost.keyId}, which this server does not have` }]);
    expect(withOld.printed).toContain("add it to SLIPWAY_PREVIOUS_SECRET_KEYS");
    expect(withOld.printed).not.toContain("no longer needed");

    await db.envVar.delete({ where: { id: lost.id } });
    const done = await run({ SLIPWAY_SECRET_KEY: b, SLIPWAY_PREVIOUS_SECRET_KEYS: a });
    expect(done.result).toMatchObject({ finished: true, resealed: 0, unreadable: [] });
    expect(done.printed).toContain("SLIPWAY_PREVIOUS_SECRET_KEYS is no longer needed: remove it and restart Slipway.");
    for (const row of await db.envVar.findMany({ where: { projectId: project.id } })) expect(unseal(keyB, row.valueEnc)).toBe(`value of ${row.key}`);
    for (const p of [forgot.printed, withOld.printed, done.printed]) expect(p).not.toMatch(new RegExp(`${a}|${b}|value of`));
    expect(existsSync(path.join(dir, "secrets"))).toBe(false);
  });

  it("finishes a rotation stopped after the switch: sweeps up values sealed under the old key meanwhile, then deletes it", async () => {
    const { url, db } = await freshDb();
    const dir = keysDir();
    const keys = env({ DATA_DIR: dir });
    await loadSecretKey(keys);
    // As a process that has not looked at the key files since the rotation began holds it.
    const old = parseSecretKey(readFileSync(keyFilePath(dir, KEY_FILE), "utf8"));
    const { project } = await seedArchiveProject(db);
    // Killed right after the new key became secret-key (the old one kept as secret-key.previous), while a
    // process that had not yet noticed the new key wrote a value under the old one.
    await persistentSecret(dir, NEXT_KEY_FILE);
    await replaceSecretFile(keyFilePath(dir, PREVIOUS_KEY_FILE), readFileSync(keyFilePath(dir, KEY_FILE), "utf8"));
    await rename(keyFilePath(dir, NEXT_KEY_FILE), keyFilePath(dir, KEY_FILE));
    const newId = parseSecretKey(readFileSync(keyFilePath(dir, KEY_FILE), "utf8")).id;
    const straggler = await addVar(db, project.id, old, "LATE", "written during the rotation");
    expect(straggler.keyId).toBe(old.id);

    const lines: string[] = [];
    const result = await rotateKeys({ databaseUrl: url, env: keys, graceMs: 1000, log: (l) => lines.push(l) });
    expect(result).toMatchObject({ mode: "generated", finished: true, keyId: newId, resealed: 1, unreadable: [] });
    expect(lines).toContainEqual(expect.stringMatching(/^finishing the rotation/));
    expect(lines).toContainEqual(expect.stringMatching(/^waiting 1 s for running processes to switch to the new key$/));
    expect(readdirSync(path.join(dir, "secrets"))).toEqual([KEY_FILE]);
    const row = await db.envVar.findUniqueOrThrow({ where: { id: straggler.id } });
    expect(unseal(parseSecretKey(readFileSync(keyFilePath(dir, KEY_FILE), "utf8")), row.valueEnc)).toBe("written during the rotation");
  });

  it("refuses to run while another rotation holds the database", async () => {
    const { url } = await freshDb();
    await withPg(url, async (other) => {
      await other.query("SELECT pg_advisory_lock(7310551)");
      await expect(rotateKeys({ databaseUrl: url, env: env({ SLIPWAY_SECRET_KEY: hexKey() }) })).rejects.toThrow(RotateError);
    });
  });
});
