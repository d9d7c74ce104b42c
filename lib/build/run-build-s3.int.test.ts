import { CreateBucketCommand, S3Client } from "@aws-sdk/client-s3";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import S3rver from "s3rver";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { runBuild } from "@/lib/build/run-build";
import { blobStore } from "@/lib/bundles/current-store";
import { verifyBlobs } from "@/lib/bundles/verify-blobs";
import { getManifest } from "@/lib/deployments/get-manifest";
import { testDb } from "@/lib/testing/db";
import { deployDir, makeApp, seedArchiveProject, testBuildDeps, testDataDir } from "@/lib/testing/deploy";

// The whole path with the S3 store chosen by environment variables, against a
// real S3-protocol server: the upload lands in the bucket, the worker reads the
// source from it, and the bundle's blobs are verified there.
const db = testDb();
const dataDir = testDataDir();
let server: S3rver;
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "slipway-s3-"));
  server = new S3rver({ address: "127.0.0.1", port: 0, directory: dir, silent: true });
  const { port } = await server.run();
  const endpoint = `http://127.0.0.1:${port}`;
  const credentials = { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" };
  const admin = new S3Client({ endpoint, region: "us-east-1", forcePathStyle: true, credentials });
  await admin.send(new CreateBucketCommand({ Bucket: "bundles" }));
  admin.destroy();
  Object.assign(process.env, {
    STORE_S3_BUCKET: "bundles",
    STORE_S3_ENDPOINT: endpoint,
    STORE_S3_FORCE_PATH_STYLE: "true",
    STORE_S3_ACCESS_KEY_ID: credentials.accessKeyId,
    STORE_S3_SECRET_ACCESS_KEY: credentials.secretAccessKey,
  });
});

afterAll(async () => {
  for (const k of ["STORE_S3_BUCKET", "STORE_S3_ENDPOINT", "STORE_S3_FORCE_PATH_STYLE", "STORE_S3_ACCESS_KEY_ID", "STORE_S3_SECRET_ACCESS_KEY"]) delete process.env[k];
  await server?.close();
  await rm(dir, { recursive: true, force: true });
});

describe("runBuild with the S3 store", () => {
  it("uploads the source and the bundle to the bucket and publishes a verified bundle", async () => {
    const store = blobStore();
    expect(store.kind).toBe("s3");
    const { ctx, project } = await seedArchiveProject(db);
    const app = await makeApp({
      "package.json": "{}",
      "slipway.json": JSON.stringify({ installCommand: "true", buildCommand: "mkdir -p dist && echo s3 > dist/index.html" }),
    });
    const d = await deployDir(ctx, project.slug, app);
    expect(await store.has(d.commitSha)).toBe(true);
    expect(await runBuild(d.id, testBuildDeps(db, inject("databaseUrl"), dataDir, { store }))).toBe("live");
    const manifest = await getManifest({ ctx, id: d.id });
    expect(manifest.files.map((f) => f.path)).toEqual(["index.html"]);
    expect(await verifyBlobs(store, manifest.files)).toEqual({ ok: true });
  });
});
