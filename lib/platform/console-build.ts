import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";

// `npm start` runs the production console; it builds it when there is no build
// yet or when any source the build depends on changed since the last one.
const INPUTS = ["app", "components", "lib", "public", "next.config.ts", "proxy.ts", "postcss.config.mjs", "tsconfig.json", "package-lock.json"];
const SKIP = new Set(["node_modules", ".next", "generated"]);

export function sourceHash(root: string): string {
  const hash = createHash("sha256");
  const visit = (p: string) => {
    if (!existsSync(p)) return;
    const stat = statSync(p);
    if (stat.isDirectory()) {
      for (const name of readdirSync(p).sort()) if (!SKIP.has(name)) visit(path.join(p, name));
      return;
    }
    hash.update(path.relative(root, p)).update("\0").update(readFileSync(p)).update("\0");
  };
  for (const input of INPUTS) visit(path.join(root, input));
  hash.update(readFileSync(path.join(root, "prisma/schema.prisma")));
  return hash.digest("hex");
}

export function ensureConsoleBuild(root: string, log: (line: string) => void): void {
  const stamp = path.join(root, ".next", "slipway-source-hash");
  const want = sourceHash(root);
  const built = existsSync(path.join(root, ".next", "BUILD_ID")) && existsSync(stamp);
  if (built && readFileSync(stamp, "utf8") === want) return;
  log("building the console (first start, or its source changed); this takes a minute…");
  const next = path.join(root, "node_modules/next/dist/bin/next");
  const result = spawnSync(process.execPath, [next, "build"], {
    cwd: root,
    stdio: ["ignore", "inherit", "inherit"],
    env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1" },
  });
  if (result.status !== 0) throw new Error("The console build failed; see the output above.");
  writeFileSync(stamp, want);
}
