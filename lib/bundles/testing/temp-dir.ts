import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";

// Temp directories for tests; cleanupTempDirs() removes every one made so far.
const made: string[] = [];

export async function makeTempDir(label = "bundles") {
  const dir = await mkdtemp(path.join(os.tmpdir(), `slipway-${label}-`));
  made.push(dir);
  return dir;
}

export async function cleanupTempDirs() {
  const dirs = made.splice(0);
  // Blobs are read-only files, which rm handles: only the directories' modes matter.
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
}
