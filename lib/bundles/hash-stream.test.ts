import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, expect, it } from "vitest";
import { hashFile } from "@/lib/bundles/hash-stream";

let tmp: string;
beforeEach(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), "slipway-sha-"));
});
afterEach(async () => {
  await rm(tmp, { recursive: true, force: true });
});

it("hashes a file's bytes as hex sha256", async () => {
  const file = path.join(tmp, "abc");
  await writeFile(file, "abc");
  expect((await hashFile(file)).sha256).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  await writeFile(file, "");
  expect((await hashFile(file)).sha256).toBe("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
});
