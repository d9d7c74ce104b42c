import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { killMarked } from "@/lib/build/sandbox/kill-marked";
import { formatBytes, formatDuration, runStep, type StepOptions, type StepResult } from "@/lib/build/sandbox/run-step";
import { liveMarkedPids, uniqueMarker, waitUntilNoneMarked } from "@/lib/build/sandbox/sandbox-test-helpers";

const ROOT = path.resolve(import.meta.dirname, "../../..");
const PATH = process.env.PATH ?? "/usr/local/bin:/usr/bin:/bin";

let workspace: string;
const markers: string[] = [];
const parents: ChildProcess[] = [];

beforeAll(() => {
  workspace = mkdtempSync(path.join(tmpdir(), "slipway-sandbox-"));
});

afterEach(async () => {
  for (const p of parents.splice(0)) p.kill("SIGKILL");
  for (const marker of markers.splice(0)) await killMarked(marker).catch(() => {});
  delete process.env.SLIPWAY_TEST_LEAK;
});

afterAll(() => {
  rmSync(workspace, { recursive: true, force: true });
});

type Line = ["stdout" | "stderr", string];

async function run(command: string, options: Partial<StepOptions> = {}): Promise<StepResult & { lines: Line[]; marker: string }> {
  const marker = options.marker ?? uniqueMarker("rs");
  markers.push(marker);
  const lines: Line[] = [];
  const result = await runStep({
    command,
    cwd: workspace,
    env: { PATH, HOME: workspace },
    timeoutMs: 20_000,
    maxOutputBytes: 10 * 1024 * 1024,
    marker,
    sandbox: null,
    ...options,
    onLine: (stream, text) => {
      lines.push([stream, text]);
      options.onLine?.(stream, text);
    },
  });
  return { ...result, lines, marker };
}

const textOf = (lines: Line[], stream: "stdout" | "stderr") => lines.filter(([s]) => s === stream).map(([, t]) => t);

describe("runStep output", () => {
  it("delivers lines in order per stream, labelled, with the last partial line flushed", async () => {
    const r = await run("echo one; echo err1 >&2; echo two; echo err2 >&2; printf 'no newline'");
    expect(r.outcome).toBe("succeeded");
    expect(textOf(r.lines, "stdout")).toEqual(["one", "two", "no newline"]);
    expect(textOf(r.lines, "stderr")).toEqual(["err1", "err2"]);
    expect(r.outputBytes).toBe("one\ntwo\nno newline".length + "err1\nerr2\n".length);
  });

  it("handles CRLF and progress bars drawn with a lone CR", async () => {
    const r = await run("printf 'a\\r\\nb\\r\\n'; printf '10%%\\r50%%\\r100%%\\n'; printf 'tail\\r\\n'");
    expect(textOf(r.lines, "stdout")).toEqual(["a", "b", "100%", "tail"]);
  });

  it("splits a 100 KB line into pieces of at most 8 KiB without losing it", async () => {
    const r = await run("head -c 102400 /dev/zero | tr '\\0' x; echo; echo after");
    const out = textOf(r.lines, "stdout");
    expect(out.at(-1)).toBe("after");
    const pieces = out.slice(0, -1);
    expect(pieces.length).toBeGreaterThan(1);
    for (const p of pieces) expect(Buffer.byteLength(p)).toBeLessThanOrEqual(8192);
    expect(pieces.join("")).toBe("x".repeat(102400));
  });
});

describe("runStep isolation", () => {
  it("gives the command exactly the given environment plus the marker", async () => {
    process.env.SLIPWAY_TEST_LEAK = "1";
    const r = await run("env", { env: { PATH, HOME: workspace, BUILD_VAR: "hello world" } });
    expect(r.outcome).toBe("succeeded");
    const vars = new Map(textOf(r.lines, "stdout").map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]));
    expect(vars.get("BUILD_VAR")).toBe("hello world");
    expect(vars.get("HOME")).toBe(workspace);
    expect(vars.get("PATH")).toBe(PATH);
    expect(vars.get("SLIPWAY_SANDBOX")).toBe(r.marker);
    expect(vars.has("SLIPWAY_TEST_LEAK")).toBe(false);
    const shellOwn = new Set(["PWD", "OLDPWD", "SHLVL", "_"]);
    const extra = [...vars.keys()].filter((k) => !["BUILD_VAR", "HOME", "PATH", "SLIPWAY_SANDBOX"].includes(k) && !shellOwn.has(k));
    expect(extra).toEqual([]);
  });

  it("starts the launcher with nothing of the worker's environment but the marker", async () => {
    process.env.SLIPWAY_TEST_LEAK = "1";
    // $PPID of the shell is the launcher.
    const r = await run("tr '\\0' '\\n' < /proc/$PPID/environ");
    expect(textOf(r.lines, "stdout")).toEqual([`SLIPWAY_SANDBOX=${r.marker}`]);
  });

  it("runs in the workspace with stdin at /dev/null and no inherited descriptors", async () => {
    const r = await run("pwd; readlink /proc/$$/fd/0; ls /proc/$$/fd");
    expect(textOf(r.lines, "stdout")).toEqual([workspace, "/dev/null", "0", "1", "2"]);
  });

  it("passes the command to the shell unchanged, quotes and all", async () => {
    const r = await run(`printf '%s\\n' "a  b" '$HOME' "$(echo sub)"; echo "it's" | cat`);
    expect(textOf(r.lines, "stdout")).toEqual(["a  b", "$HOME", "sub", "it's"]);
  });
});

describe("runStep outcomes", () => {
  it("reports success and failure with the exit code", async () => {
    const ok = await run("true");
    expect(ok).toMatchObject({ outcome: "succeeded", exitCode: 0, signal: null });
    const bad = await run("echo failing >&2; exit 2");
    expect(bad).toMatchObject({ outcome: "failed", exitCode: 2, signal: null, message: "Command exited with code 2." });
  });

  it("reports a command killed by a signal", async () => {
    const r = await run("kill -SEGV $$");
    expect(r).toMatchObject({ outcome: "failed", exitCode: null, signal: "SIGSEGV", message: "Command was killed by signal SIGSEGV." });
  });

  it("stops a command that runs too long", async () => {
    const started = Date.now();
    const r = await run("echo begun; sleep 30", { timeoutMs: 500 });
    expect(Date.now() - started).toBeLessThan(3000);
    expect(r).toMatchObject({ outcome: "timeout", message: "Timed out after 0.5 s; the step was stopped." });
    expect(textOf(r.lines, "stdout")).toEqual(["begun"]);
    expect(liveMarkedPids(r.marker)).toEqual([]);
  });

  it("SIGKILLs a command that ignores SIGTERM after the grace period", async () => {
    const started = Date.now();
    const r = await run("trap '' TERM; while :; do sleep 0.1; done", { timeoutMs: 300 });
    const took = Date.now() - started;
    expect(r.outcome).toBe("timeout");
    expect(took).toBeGreaterThanOrEqual(2000);
    expect(took).toBeLessThan(4500);
    expect(liveMarkedPids(r.marker)).toEqual([]);
  });

  it("reports a workspace that does not exist as spawn_error", async () => {
    const r = await run("true", { cwd: path.join(workspace, "missing") });
    expect(r.outcome).toBe("spawn_error");
    expect(r.message).toMatch(/^Could not start: working directory .*missing does not exist\.$/);
  });

  it("rejects an unusable marker before starting anything", async () => {
    const options = { cwd: workspace, env: { PATH }, timeoutMs: 1000, maxOutputBytes: 1000, onLine: () => {}, sandbox: null };
    await expect(runStep({ ...options, command: "touch should-not-exist", marker: "" })).rejects.toThrow(/marker/);
    await expect(runStep({ ...options, command: "touch should-not-exist", marker: "a b" })).rejects.toThrow(/marker/);
    expect(existsSync(path.join(workspace, "should-not-exist"))).toBe(false);
  });
});

describe("runStep leaves nothing behind", () => {
  it("kills background processes when the step succeeds", async () => {
    const r = await run("sleep 1000 & sleep 1000 >/dev/null 2>&1 & echo started");
    expect(r.outcome).toBe("succeeded");
    expect(textOf(r.lines, "stdout")).toEqual(["started"]);
    expect(liveMarkedPids(r.marker)).toEqual([]);
  });

  it("kills processes that left the process group with setsid, by their marker", async () => {
    const started = Date.now();
    const r = await run("setsid sleep 1000 & setsid sh -c 'sleep 1000' >/dev/null 2>&1 & echo started");
    expect(r.outcome).toBe("succeeded");
    expect(textOf(r.lines, "stdout")).toEqual(["started"]);
    expect(liveMarkedPids(r.marker)).toEqual([]);
    // The escapee held our stdout; killing it by marker means we did not wait out the drain timeout.
    expect(Date.now() - started).toBeLessThan(1500);
  });

  it("stops the step when canceled and kills the whole group", async () => {
    const controller = new AbortController();
    const started = Date.now();
    const r = await run("sleep 1000 & echo ready; sleep 1000", {
      signal: controller.signal,
      onLine: (_s, text) => {
        if (text === "ready") controller.abort();
      },
    });
    expect(Date.now() - started).toBeLessThan(3000);
    expect(r).toMatchObject({ outcome: "canceled", message: "Canceled." });
    expect(liveMarkedPids(r.marker)).toEqual([]);
  });

  it("stops the step and rethrows when onLine throws", async () => {
    const marker = uniqueMarker("cb");
    markers.push(marker);
    const failing = run("echo boom; sleep 1000", {
      marker,
      onLine: () => {
        throw new Error("log sink failed");
      },
    });
    await expect(failing).rejects.toThrow("log sink failed");
    expect(liveMarkedPids(marker)).toEqual([]);
  });

  it("does not start at all when already canceled", async () => {
    const r = await run("touch ran", { signal: AbortSignal.abort() });
    expect(r.outcome).toBe("canceled");
    expect(existsSync(path.join(workspace, "ran"))).toBe(false);
  });

  it("stops a step whose output exceeds the limit, promptly and without buffering it", async () => {
    const limit = 1024 * 1024;
    let delivered = 0;
    const started = Date.now();
    const r = await run("yes", { maxOutputBytes: limit, onLine: (_s, text) => (delivered += text.length + 1) });
    expect(Date.now() - started).toBeLessThan(3000);
    expect(r).toMatchObject({ outcome: "output_limit", message: "Build output exceeded 1 MB; the step was stopped." });
    expect(r.outputBytes).toBeGreaterThan(limit);
    expect(delivered).toBeLessThanOrEqual(limit);
    expect(delivered).toBeGreaterThan(limit - 10);
    expect(liveMarkedPids(r.marker)).toEqual([]);
  });

  it("counts both streams against the output limit", async () => {
    const limit = 64 * 1024;
    const r = await run("yes errline | head -n 2000 >&2; yes out", { maxOutputBytes: limit });
    expect(r.outcome).toBe("output_limit");
    const err = textOf(r.lines, "stderr");
    expect(err).toEqual(Array(2000).fill("errline"));
    const outBytes = textOf(r.lines, "stdout").reduce((n, t) => n + t.length + 1, 0);
    expect(outBytes + 2000 * 8).toBeLessThanOrEqual(limit);
    expect(outBytes + 2000 * 8).toBeGreaterThan(limit - 10);
    expect(liveMarkedPids(r.marker)).toEqual([]);
  });

  it("takes the build down with it when the worker is killed with SIGKILL", async () => {
    const marker = uniqueMarker("pd");
    markers.push(marker);
    const script = path.join(workspace, "worker.mjs");
    writeFileSync(
      script,
      [
        `const { runStep } = await import(${JSON.stringify(pathToFileURL(path.join(import.meta.dirname, "run-step.ts")).href)});`,
        `await runStep({`,
        `  command: "sleep 1000 & echo ready; sleep 1000",`,
        `  cwd: ${JSON.stringify(workspace)},`,
        `  env: { PATH: ${JSON.stringify(PATH)} },`,
        `  timeoutMs: 60000,`,
        `  maxOutputBytes: 1000000,`,
        `  marker: ${JSON.stringify(marker)},`,
        `  onLine: (stream, text) => console.log(text),`,
        `});`,
      ].join("\n"),
    );
    // Run like the worker: plain node with tsx, from the repo root.
    const parent = spawn(process.execPath, ["--import", "tsx", script], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
    parents.push(parent);
    let stderr = "";
    parent.stderr!.on("data", (d) => (stderr += d));
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`worker script never got ready: ${stderr}`)), 15_000);
      parent.stdout!.on("data", (d: Buffer) => {
        if (d.toString().includes("ready")) {
          clearTimeout(timer);
          resolve();
        }
      });
      parent.on("exit", () => reject(new Error(`worker script exited early: ${stderr}`)));
    });
    // launcher, shell and two sleeps (the shell may exec the last one)
    expect(liveMarkedPids(marker).length).toBeGreaterThanOrEqual(3);

    parent.kill("SIGKILL");
    const took = await waitUntilNoneMarked(marker, 2000);
    expect(took).toBeLessThan(2000);
  }, 30_000);
});

describe("messages", () => {
  it("formats durations and sizes for people", () => {
    expect(formatDuration(500)).toBe("0.5 s");
    expect(formatDuration(10_000)).toBe("10 s");
    expect(formatDuration(600_000)).toBe("10 min");
    expect(formatDuration(90_000)).toBe("1 min 30 s");
    expect(formatBytes(20 * 1024 * 1024)).toBe("20 MB");
    expect(formatBytes(1536 * 1024)).toBe("1.5 MB");
    expect(formatBytes(512)).toBe("512 bytes");
  });
});
