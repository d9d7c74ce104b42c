// Records every platform's optional native package in package-lock.json.
//
// `npm ci` insists that the lockfile lists the optional per-platform binaries of
// packages like Next's SWC or Tailwind's oxide for *all* platforms. npm records
// them only when it can read their metadata, and the registry mirror on our
// build machines serves only some platforms, so npm silently leaves the rest out
// and `npm ci` then refuses the lockfile (npm/cli#8320). This adds the missing
// entries with the version the parent pins and the os/cpu/libc their names state;
// npm skips them on every other platform exactly as it would skip full entries.
// Run it after changing dependencies: `npm run lockfile:platforms` (it also
// fixes the examples' lockfiles, which Slipway builds with `npm ci`).
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";

const ROOT = path.resolve(import.meta.dirname, "..");
const OS = ["android", "darwin", "freebsd", "linux", "win32", "openharmony", "sunos", "aix", "netbsd", "openbsd"];
const CPU = ["arm64", "x64", "ia32", "arm", "loong64", "ppc64", "riscv64", "s390x", "wasm32", "mips64el"];

function platformOf(name) {
  const tokens = name.split("/").pop().split("-");
  const os = tokens.filter((t) => OS.includes(t));
  const cpu = tokens.filter((t) => CPU.includes(t));
  if (!cpu.length) return null;
  const libc = tokens.some((t) => t.startsWith("musl")) ? ["musl"] : tokens.some((t) => t.startsWith("gnu")) ? ["glibc"] : [];
  return { ...(os.length ? { os } : {}), cpu, ...(libc.length ? { libc } : {}) };
}

for (const file of [path.join(ROOT, "package-lock.json"), ...exampleLockfiles()]) fixLockfile(file);

function exampleLockfiles() {
  const dir = path.join(ROOT, "examples");
  return readdirSync(dir)
    .map((name) => path.join(dir, name, "package-lock.json"))
    .filter((f) => existsSync(f));
}

function fixLockfile(file) {
  const lock = JSON.parse(readFileSync(file, "utf8"));
  let added = 0;
  for (const [where, entry] of Object.entries(lock.packages)) {
    for (const [name, spec] of Object.entries(entry.optionalDependencies ?? {})) {
      const nested = `${where ? `${where}/` : ""}node_modules/${name}`;
      if (lock.packages[nested] || lock.packages[`node_modules/${name}`]) continue;
      const platform = platformOf(name);
      const version = /^\d+\.\d+\.\d+(-[\w.]+)?$/.test(spec) ? spec : null;
      if (!platform || !version) continue;
      lock.packages[`node_modules/${name}`] = {
        version,
        ...(entry.dev ? { dev: true } : {}),
        ...(entry.devOptional ? { devOptional: true } : {}),
        optional: true,
        ...platform,
      };
      added++;
    }
  }
  lock.packages = Object.fromEntries(Object.entries(lock.packages).sort(([a], [b]) => (a === "" ? -1 : b === "" ? 1 : a.localeCompare(b))));
  writeFileSync(file, JSON.stringify(lock, null, 2) + "\n");
  console.log(`${path.relative(ROOT, file)}: recorded ${added} platform package(s) the registry did not describe`);
}
