// Cold start of the whole platform (`npm start` on an empty data directory, so
// initdb + migrations + seed), warm restart (same data directory), and the memory
// of the idle platform. Reference in the same run: the bare built console
// (`next start`) on its own, which every start must at least pay for.
import { spawn } from "node:child_process";
import { rmSync } from "node:fs";
import path from "node:path";
import { mb, median, ratio, treeMemoryBytes } from "@/bench/lib/stats";
import { ensureConsoleBuild } from "@/lib/platform/console-build";
import { freePort } from "@/lib/platform/free-port";
import { makeDataDir, startPlatform } from "@/lib/testing/platform-process";

const ROOT = path.resolve(import.meta.dirname, "..");
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const IDLE_SETTLE_MS = 3000;

async function bareConsole(): Promise<{ ms: number; rss: number }> {
  const port = await freePort();
  const t0 = performance.now();
  const child = spawn(process.execPath, [path.join(ROOT, "node_modules/next/dist/bin/next"), "start", "-p", String(port)], {
    cwd: ROOT,
    env: { ...process.env, NEXTAUTH_SECRET: "x".repeat(32), DATABASE_URL: "postgresql://none@127.0.0.1:1/none" },
    stdio: "ignore",
  });
  try {
    // /signin renders without the database, so it measures the console alone.
    for (;;) {
      const ok = await fetch(`http://127.0.0.1:${port}/signin`).then((r) => r.ok, () => false);
      if (ok) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    const ms = performance.now() - t0;
    await new Promise((r) => setTimeout(r, IDLE_SETTLE_MS));
    return { ms, rss: treeMemoryBytes(child.pid!) };
  } finally {
    child.kill("SIGTERM");
    await new Promise((r) => child.once("exit", r));
  }
}

async function platform(dataDir: string): Promise<{ ms: number; rss: number }> {
  const t0 = performance.now();
  const p = await startPlatform({ dataDir });
  try {
    const ms = performance.now() - t0;
    await new Promise((r) => setTimeout(r, IDLE_SETTLE_MS));
    return { ms, rss: treeMemoryBytes(p.child.pid!) };
  } finally {
    await p.stop();
  }
}

export async function coldStartBench() {
  ensureConsoleBuild(ROOT, (l) => console.log(l));
  const bare: number[] = [];
  const cold: number[] = [];
  const warm: number[] = [];
  const rssBare: number[] = [];
  const rssPlatform: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const dir = makeDataDir();
    try {
      const b = await bareConsole();
      const c = await platform(dir);
      const w = await platform(dir);
      bare.push(b.ms);
      cold.push(c.ms);
      warm.push(w.ms);
      rssBare.push(b.rss);
      rssPlatform.push(w.rss);
      console.log(`  run ${i + 1}: bare console ${b.ms.toFixed(0)} ms, cold start ${c.ms.toFixed(0)} ms, warm start ${w.ms.toFixed(0)} ms`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  const rows = [
    ["bare `next start` to ready (reference)", `${median(bare).toFixed(0)} ms`, "1.00"],
    ["`npm start` cold (initdb, migrate, seed)", `${median(cold).toFixed(0)} ms`, ratio(median(cold), median(bare)).toFixed(2)],
    ["`npm start` warm (existing data)", `${median(warm).toFixed(0)} ms`, ratio(median(warm), median(bare)).toFixed(2)],
    ["idle memory (PSS): bare console (reference)", mb(median(rssBare)), "1.00"],
    ["idle memory (PSS): whole platform", mb(median(rssPlatform)), ratio(median(rssPlatform), median(rssBare)).toFixed(2)],
  ];
  console.log(`\ncold start, median of ${RUNS} runs`);
  for (const [name, value, r] of rows) console.log(`  ${name.padEnd(44)} ${value.padStart(8)}   ratio ${r}`);
}
