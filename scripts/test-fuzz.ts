// `npm run test:fuzz`: the hostile-input fuzz suites (lib/security/fuzz) with
// FUZZ_RUNS cases per field class (10,000 unless set), then the cases each
// class actually ran, from the records the suites write as they go.
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, rmSync } from "node:fs";
import path from "node:path";
import { FUZZ_RESULTS_DIR, type FuzzRecord } from "@/lib/security/fuzz/fuzz-record";

const root = path.resolve(import.meta.dirname, "..");
const runs = process.env.FUZZ_RUNS ?? "10000";
const CLASSES = ["archive-entries", "url-paths", "host-headers", "env-keys-values", "branch-names", "git-urls", "hostnames", "json-bodies", "webhook-payloads", "tls-sni", "acme-challenges"];

rmSync(FUZZ_RESULTS_DIR, { recursive: true, force: true });
const report = path.join(root, "test-results", "fuzz-vitest.json");
rmSync(report, { force: true });
const started = performance.now();
const vitest = path.join(root, "node_modules", "vitest", "vitest.mjs");
// The API classes mostly wait on Postgres, so three files at once use two cores well.
const args = [vitest, "run", "--maxWorkers=3", "--reporter=default", "--reporter=json", `--outputFile.json=${report}`, "lib/security/fuzz/"];
const r = spawnSync(process.execPath, args, { cwd: root, stdio: "inherit", env: { ...process.env, FUZZ_RUNS: runs } });
const seconds = (performance.now() - started) / 1000;
// Vitest can exit 0 with a failed test (see scripts/test.ts), so its report decides.
const tests = existsSync(report) ? (JSON.parse(readFileSync(report, "utf8")) as { numPassedTests: number; numFailedTests: number }) : null;

const records = new Map<string, FuzzRecord>();
if (existsSync(FUZZ_RESULTS_DIR)) {
  for (const name of readdirSync(FUZZ_RESULTS_DIR)) {
    const rec = JSON.parse(readFileSync(path.join(FUZZ_RESULTS_DIR, name), "utf8")) as FuzzRecord;
    records.set(rec.fieldClass, rec);
  }
}

console.log(`\n── fuzz cases per field class (FUZZ_RUNS=${runs}) ──`);
const short: string[] = [];
const failed: string[] = [];
for (const name of CLASSES) {
  const rec = records.get(name);
  const cases = rec?.cases ?? 0;
  if (cases < Number(runs)) short.push(name);
  if (rec?.failed) failed.push(name);
  const outcomes = rec ? Object.entries(rec.outcomes).sort((a, b) => b[1] - a[1]).map(([k, n]) => `${k} ${n}`).join(", ") : "";
  console.log(`${name.padEnd(18)} ${String(cases).padStart(7)} cases  ${rec ? `${(rec.ms / 1000).toFixed(1)} s`.padStart(8) : "     n/a"}  seed ${rec?.seed ?? "-"}  ${outcomes.slice(0, 160)}`);
}
const total = [...records.values()].reduce((n, rec) => n + rec.cases, 0);
const ok = r.status === 0 && tests !== null && tests.numFailedTests === 0 && short.length === 0 && failed.length === 0;
console.log(`fuzz tests: ${tests ? `${tests.numPassedTests} passed, ${tests.numFailedTests} failed` : "no report"}`);
console.log(`total              ${String(total).padStart(7)} cases in ${seconds.toFixed(0)} s; ${ok ? "no failures" : "FAILURES (see above)"}`);
if (failed.length) console.log(`a property failed: ${failed.join(", ")}`);
if (short.length) console.log(`fewer cases than FUZZ_RUNS: ${short.join(", ")}`);
if (r.status !== 0) console.log(`vitest exited with ${r.status ?? r.signal}`);
process.exit(ok ? 0 : 1);
