import { createHash } from "node:crypto";
import { stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { storeFromEnv } from "@/lib/bundles/store/select-store";
import { cleanupTempDirs, makeTempDir } from "@/lib/bundles/testing/temp-dir";

afterEach(cleanupTempDirs);

const S3 = { STORE_S3_BUCKET: "slipway-blobs" };

describe("storeFromEnv", () => {
  it("uses the local store under <dataDir>/store when no bucket is set (blank counts as unset)", async () => {
    const dataDir = await makeTempDir("data");
    const file = path.join(dataDir, "in.txt");
    await writeFile(file, "x");
    const sha256 = createHash("sha256").update("x").digest("hex");

    const store = storeFromEnv({ STORE_S3_BUCKET: "  " }, dataDir);
    expect(store.kind).toBe("local");
    await store.put(sha256, file);
    await expect(stat(path.join(dataDir, "store", "blobs", sha256.slice(0, 2), sha256))).resolves.toBeTruthy();
  });

  it("uses S3 when STORE_S3_BUCKET is set, with or without the optional settings", () => {
    expect(storeFromEnv(S3, "/tmp/x").kind).toBe("s3");
    const full = storeFromEnv(
      {
        ...S3,
        STORE_S3_ENDPOINT: "http://127.0.0.1:9000",
        STORE_S3_REGION: "eu-west-1",
        STORE_S3_FORCE_PATH_STYLE: "TRUE",
        STORE_S3_ACCESS_KEY_ID: "key",
        STORE_S3_SECRET_ACCESS_KEY: "secret",
        STORE_S3_PREFIX: "slipway/prod/",
      },
      "/tmp/x",
    );
    expect(full.kind).toBe("s3");
  });

  it.each([
    [{ STORE_S3_BUCKET: "Bad_Bucket" }, /^Invalid configuration: STORE_S3_BUCKET .*\(got "Bad_Bucket"\)\.$/],
    [{ ...S3, STORE_S3_ENDPOINT: "minio:9000" }, /^Invalid configuration: STORE_S3_ENDPOINT must be an http/],
    [{ ...S3, STORE_S3_ENDPOINT: "ftp://host" }, /STORE_S3_ENDPOINT/],
    [{ ...S3, STORE_S3_REGION: "EU West" }, /^Invalid configuration: STORE_S3_REGION/],
    [{ ...S3, STORE_S3_FORCE_PATH_STYLE: "yes" }, /^Invalid configuration: STORE_S3_FORCE_PATH_STYLE must be true or false/],
    [{ ...S3, STORE_S3_ACCESS_KEY_ID: "key" }, /^Invalid configuration: STORE_S3_SECRET_ACCESS_KEY must be set/],
    [{ ...S3, STORE_S3_SECRET_ACCESS_KEY: "secret" }, /^Invalid configuration: STORE_S3_ACCESS_KEY_ID must be set/],
    [{ ...S3, STORE_S3_PREFIX: "/abs/" }, /^Invalid configuration: STORE_S3_PREFIX/],
    [{ ...S3, STORE_S3_PREFIX: "a//b/" }, /STORE_S3_PREFIX/],
  ])("rejects %o with a one-line message naming the variable", (env, message) => {
    let error: unknown;
    try {
      storeFromEnv(env, "/tmp/x");
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).not.toContain("\n");
  });

  it("never echoes the secret in an error", () => {
    expect(() => storeFromEnv({ ...S3, STORE_S3_SECRET_ACCESS_KEY: "hunter2-secret" }, "/tmp/x")).toThrow(
      /^(?!.*hunter2).*STORE_S3_ACCESS_KEY_ID/,
    );
  });
});
