import { open } from "node:fs/promises";
import path from "node:path";
import { StageFailure } from "@/lib/build/build-context";
import { encodedForms } from "@/lib/build/mask-secrets";
import type { ManifestEntry } from "@/lib/bundles/build-manifest";
import type { ResolvedVar } from "@/lib/env-vars/resolve-env";
import { isFunctionPath } from "@/lib/router/functions/function-paths";

// Values shorter than this match too much ordinary text to be scanned for.
export const MIN_SCANNED_LENGTH = 6;
const CHUNK = 1 << 20;

type Needle = { key: string; bytes: Buffer };
export type Leak = { key: string; path: string };

// The leak guard: after the build, every file browsers can download (every
// file of the bundle except server functions) is searched for the values of
// sensitive variables, as written, JSON-escaped (how bundlers inline strings),
// URL-encoded and base64. Files are read in 1 MiB chunks that overlap by the
// longest needle, so a value split across chunks is still found. The first
// hit per variable is reported; values never appear in the result.
export async function findLeakedSecrets(outputDir: string, entries: readonly ManifestEntry[], vars: readonly ResolvedVar[]): Promise<Leak[]> {
  const needles: Needle[] = [];
  for (const v of vars) {
    if (!v.sensitive || v.value.length < MIN_SCANNED_LENGTH) continue;
    const forms = new Set([...encodedForms(v.value), JSON.stringify(v.value).slice(1, -1)]);
    for (const form of forms) needles.push({ key: v.key, bytes: Buffer.from(form) });
  }
  if (needles.length === 0) return [];
  const overlap = Math.max(...needles.map((n) => n.bytes.length)) - 1;
  const leaks = new Map<string, string>();
  for (const entry of entries) {
    if (isFunctionPath(entry.path)) continue;
    const pending = needles.filter((n) => !leaks.has(n.key));
    if (pending.length === 0) break;
    for (const key of await scanFile(path.join(outputDir, entry.path), pending, overlap)) leaks.set(key, entry.path);
  }
  return [...leaks].map(([key, file]) => ({ key, path: file }));
}

async function scanFile(file: string, needles: Needle[], overlap: number): Promise<Set<string>> {
  const found = new Set<string>();
  const handle = await open(file, "r");
  try {
    const buffer = Buffer.alloc(CHUNK + overlap);
    let carried = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, carried, CHUNK, null);
      const filled = carried + bytesRead;
      const view = buffer.subarray(0, filled);
      for (const n of needles) if (!found.has(n.key) && view.indexOf(n.bytes) !== -1) found.add(n.key);
      if (bytesRead === 0 || found.size === new Set(needles.map((n) => n.key)).size) return found;
      carried = Math.min(overlap, filled);
      buffer.copy(buffer, 0, filled - carried, filled);
    }
  } finally {
    await handle.close();
  }
}

export async function assertNoLeakedSecrets(outputDir: string, entries: readonly ManifestEntry[], vars: readonly ResolvedVar[]) {
  const leaks = await findLeakedSecrets(outputDir, entries, vars);
  if (leaks.length === 0) return;
  const list = leaks.map((l) => `${l.key} in ${l.path}`).join(", ");
  throw new StageFailure(
    `Sensitive ${leaks.length === 1 ? "variable" : "variables"} found in files browsers can download: ${list}. ` +
      "Only variables named PUBLIC_*, VITE_* or NEXT_PUBLIC_* belong in client code; read secrets in server functions (api/) instead.",
  );
}
