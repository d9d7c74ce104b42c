import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { processStatusFile, readProcessStatus } from "@/lib/platform/process-status";
import { nodeUnit, Supervisor } from "@/lib/platform/supervisor";

// Real child processes under the real supervisor: scripts that run, exit or
// crash as told by a control file.
const dirs: string[] = [];
const supervisors: Supervisor[] = [];
afterEach(async () => {
  await Promise.all(supervisors.splice(0).map((s) => s.stopAll()));
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function setup() {
  const dir = mkdtempSync(path.join(os.tmpdir(), "supervisor-test-"));
  dirs.push(dir);
  const lines: string[] = [];
  const logged: string[] = [];
  // Runs until killed; prints its pid. With "exit" in its control file it prints a last word and exits 3.
  const script = (name: string) => {
    const file = path.join(dir, `${name}.mjs`);
    writeFileSync(
      file,
      `import { existsSync } from "node:fs";
       console.log("started " + process.pid);
       if (existsSync(${JSON.stringify(path.join(dir, `${name}.crash`))})) { console.error("boom: config missing"); process.exit(3); }
       setInterval(() => {}, 1000);`,
    );
    return nodeUnit(dir, { name, args: [file], env: { ...process.env, PATH: process.env.PATH } }, (line) => lines.push(line));
  };
  const supervisor = new Supervisor({
    log: (line) => logged.push(line),
    statusFile: processStatusFile(dir),
    policy: { initialDelayMs: 50, maxDelayMs: 400, crashLoop: { exits: 4, withinMs: 10_000 }, stableAfterMs: 5000 },
  });
  supervisors.push(supervisor);
  const crashOn = (name: string) => writeFileSync(path.join(dir, `${name}.crash`), "");
  const crashOff = (name: string) => rmSync(path.join(dir, `${name}.crash`), { force: true });
  return { dir, lines, logged, supervisor, script, crashOn, crashOff };
}

async function until<T>(check: () => T | undefined | null | false, what: string, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = check();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const statusOf = (s: Supervisor, name: string) => s.status().find((p) => p.name === name)!;

describe("Supervisor", () => {
  it("restarts a process killed with -9, leaves the others alone, and reports the restart in its status file", async () => {
    const t = setup();
    await t.supervisor.add(t.script("router"));
    await t.supervisor.add(t.script("worker"));
    const router = await until(() => statusOf(t.supervisor, "router").pid, "the router's pid");
    const worker = await until(() => statusOf(t.supervisor, "worker").pid, "the worker's pid");
    await until(() => t.lines.includes(`[worker]  started ${worker}`), "the worker's first line");

    process.kill(worker, "SIGKILL");
    const again = await until(() => {
      const s = statusOf(t.supervisor, "worker");
      return s.state === "running" && s.pid !== worker && s;
    }, "the worker to run again");
    expect(again).toMatchObject({ restarts: 1, lastExit: { code: null, signal: "SIGKILL" }, gaveUp: null });
    expect(statusOf(t.supervisor, "router")).toMatchObject({ state: "running", pid: router, restarts: 0 });
    expect(() => process.kill(router, 0)).not.toThrow();
    expect(t.logged).toEqual([expect.stringMatching(/^worker was killed by SIGKILL \(last output: started \d+\); restarting it in 50 ms\.$/)]);

    // What /readyz and the console read: this supervisor's file.
    const read = readProcessStatus(t.dir);
    expect(read.map((p) => [p.name, p.state, p.restarts])).toEqual([
      ["router", "running", 0],
      ["worker", "running", 1],
    ]);
    expect(JSON.parse(readFileSync(processStatusFile(t.dir), "utf8")).supervisorPid).toBe(process.pid);

    // Stopping everything ends every process and removes the file.
    const pids = t.supervisor.status().map((p) => p.pid!);
    await t.supervisor.stopAll();
    for (const pid of pids) expect(() => process.kill(pid, 0)).toThrow();
    expect(readProcessStatus(t.dir)).toEqual([]);
  });

  it("backs off between restarts and gives up on a crash loop with one line naming the process and why", async () => {
    const t = setup();
    await t.supervisor.add(t.script("router"));
    t.crashOn("worker");
    const started = Date.now();
    await t.supervisor.add(t.script("worker"));
    const failed = await until(() => {
      const s = statusOf(t.supervisor, "worker");
      return s.state === "failed" && s;
    }, "the supervisor to give up on the worker");
    // Four exits, with 50 + 100 + 200 ms between them.
    expect(Date.now() - started).toBeGreaterThanOrEqual(350);
    expect(failed.restarts).toBe(3);
    expect(failed.gaveUp).toBe(
      "worker exited 4 times within 10 s (last: exited with code 3: boom: config missing); not restarting it. The other processes keep running; fix the cause, then restart Slipway.",
    );
    expect(t.logged.filter((l) => l.includes("not restarting"))).toEqual([failed.gaveUp]);
    expect(t.logged.map((l) => l.replace(/ \(last output.*\)/, "")).slice(0, 3)).toEqual([
      "worker exited with code 3; restarting it in 50 ms.",
      "worker exited with code 3; restarting it in 100 ms.",
      "worker exited with code 3; restarting it in 200 ms.",
    ]);
    // The router was never touched.
    expect(statusOf(t.supervisor, "router")).toMatchObject({ state: "running", restarts: 0 });
    // Its output still reaches the terminal behind its name.
    expect(t.lines).toContain("[worker]  boom: config missing");
  });

  it("counts a launch that throws as a crash, and restarts once it can start again", async () => {
    const t = setup();
    let attempts = 0;
    const inner = t.script("postgres");
    await t.supervisor.add({
      name: "postgres",
      launch: async () => {
        attempts++;
        if (attempts === 2) throw new Error("could not bind port 54329\nmore detail");
        return inner.launch();
      },
    });
    const first = await until(() => statusOf(t.supervisor, "postgres").pid, "postgres to run");
    process.kill(first, "SIGKILL");
    await until(() => attempts >= 3 && statusOf(t.supervisor, "postgres").state === "running", "postgres to run again");
    expect(statusOf(t.supervisor, "postgres").restarts).toBe(2);
    expect(t.logged[1]).toBe("postgres could not be started (last output: could not bind port 54329); restarting it in 100 ms.");
  });
});
