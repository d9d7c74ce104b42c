// `npm test`: typecheck, lint, unit, integration (real Postgres) and e2e (real
// Chromium against the built console), then one summary line per suite.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import path from "node:path";
import { ensureConsoleBuild } from "@/lib/platform/console-build";

const root = path.resolve(import.meta.dirname, "..");
const results = path.join(root, "test-results");
mkdirSync(results, { recursive: true });

type Suite = { name: string; passed: number; failed: number; skipped: number };
const suites: Suite[] = [];
const failures: string[] = [];

function run(label: string, args: string[], env: Record<string, string> = {}): boolean {
  console.log(`\n── ${label} ──`);
  const r = spawnSync(process.execPath, args, { cwd: root, stdio: "inherit", env: { ...process.env, ...env } });
  if (r.status !== 0) failures.push(label);
  return r.status === 0;
}

const bin = (pkg: string, file: string) => path.join(root, "node_modules", pkg, file);

function vitest(project: "unit" | "integration") {
  const out = path.join(results, `${project}.json`);
  rmSync(out, { force: true });
  run(`${project} tests`, [bin("vitest", "vitest.mjs"), "run", "--project", project, "--reporter=default", "--reporter=json", `--outputFile.json=${out}`]);
  if (!existsSync(out)) return suites.push({ name: project, passed: 0, failed: 1, skipped: 0 });
  const j = JSON.parse(readFileSync(out, "utf8"));
  suites.push({ name: project, passed: j.numPassedTests, failed: j.numFailedTests, skipped: j.numPendingTests + j.numTodoTests });
}

function e2e() {
  const out = path.join(results, "e2e.json");
  rmSync(out, { force: true });
  console.log("\n── console build for e2e ──");
  try {
    ensureConsoleBuild(root, (l) => console.log(l));
  } catch (e) {
    failures.push("console build");
    console.error((e as Error).message);
    return suites.push({ name: "e2e", passed: 0, failed: 1, skipped: 0 });
  }
  run("e2e tests (Chromium)", [bin("@playwright/test", "cli.js"), "test"]);
  if (!existsSync(out)) return suites.push({ name: "e2e", passed: 0, failed: 1, skipped: 0 });
  const s = JSON.parse(readFileSync(out, "utf8")).stats;
  suites.push({ name: "e2e", passed: s.expected + s.flaky, failed: s.unexpected, skipped: s.skipped });
}

run("typecheck", [bin("typescript", "bin/tsc"), "--noEmit"]);
run("lint", [bin("eslint", "bin/eslint.js"), ".", "--max-warnings=0"]);
vitest("unit");
vitest("integration");
e2e();

console.log("\n── summary ──");
for (const s of suites) {
  console.log(`${s.name.padEnd(12)} ${s.passed} passed, ${s.failed} failed${s.skipped ? `, ${s.skipped} skipped` : ""}`);
}
if (failures.length) console.log(`failed steps: ${failures.join(", ")}`);
const total = suites.reduce((a, s) => ({ passed: a.passed + s.passed, failed: a.failed + s.failed }), { passed: 0, failed: 0 });
console.log(`${total.passed} passed, ${total.failed + (failures.length && !total.failed ? failures.length : 0)} failed`);
// A failed test fails the run even if its runner exited 0.
process.exit(failures.length || total.failed ? 1 : 0);
