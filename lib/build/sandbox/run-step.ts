import type { ChildProcess } from "node:child_process";
import { constants as fsConstants } from "node:fs";
import { access, stat } from "node:fs/promises";
import type { Readable } from "node:stream";
import { assertValidMarker, killMarked, MARKER_VAR } from "@/lib/build/sandbox/kill-marked";
import { idleLaunchers, LAUNCHER_PATH, readyNext, spawnLauncher, takeLauncher } from "@/lib/build/sandbox/launchers";
import { LineSplitter } from "@/lib/build/sandbox/line-splitter";
import { readJsonLines } from "@/lib/platform/read-json-lines";
import { openSandbox, type Sandbox, type SandboxSpec } from "@/lib/sandbox/sandbox";

// Runs one untrusted build step (the user's install or build command) through
// `/bin/sh -c` - the one place in Slipway where a shell is allowed - inside
// the sandbox of lib/sandbox/ (its own user, file system view, PID and network
// namespaces, limits), and around it:
//
// - Environment: exactly `env` plus SLIPWAY_SANDBOX=<marker>; nothing of ours.
// - Process group: a launcher (launcher.mjs, started with this Node binary as
//   the leader of a new group/session, ahead of the step where the build
//   expects it: launchers.ts) runs the shell in that group. Timeout,
//   cancel and the output cap SIGTERM the group, then SIGKILL it after a
//   grace; when the step ends in any way the rest of the group is SIGKILLed.
// - Escapees: whatever left the group (setsid) is found by its marker in
//   /proc/*/environ and killed (see kill-marked.ts).
// - Worker death: the launcher watches its parent and kills the group if the
//   worker goes away, even by SIGKILL.
// - Output: counted across both streams and delivered line by line as it
//   arrives; past maxOutputBytes we stop reading and stop the step.
export type StepOptions = {
  command: string;
  cwd: string;
  /** The complete environment of the step; nothing from process.env is added. */
  env: Record<string, string>;
  timeoutMs: number;
  /** Total stdout+stderr bytes; exceeding it stops the step. */
  maxOutputBytes: number;
  signal?: AbortSignal;
  /** Complete lines without terminator (see line-splitter.ts); a final partial line is flushed at the end. */
  onLine: (stream: "stdout" | "stderr", text: string) => void;
  /** Tags every process of the step as SLIPWAY_SANDBOX=<marker>, e.g. the deployment id. */
  marker: string;
  /** Called once the command has started: work that should not delay its start goes here. */
  onStarted?: () => void;
  /**
   * The sandbox to run the command in (`cwd` is then the host side of the
   * working directory); null only where the operator turned the sandbox off
   * (SLIPWAY_SANDBOX=off) and in tests of the step mechanics themselves.
   */
  sandbox: Omit<SandboxSpec, "argv" | "env"> | null;
};

export type StepOutcome = "succeeded" | "failed" | "timeout" | "canceled" | "output_limit" | "spawn_error";

export type StepResult = {
  outcome: StepOutcome;
  exitCode: number | null;
  signal: string | null;
  durationMs: number;
  outputBytes: number;
  message: string;
};

export const KILL_GRACE_MS = 2000;
/** How long to wait, after the step ended and its processes were killed, for the output pipes to drain. */
const DRAIN_MS = 2000;
const MAX_TIMER_MS = 2 ** 31 - 1;

type StopReason = "timeout" | "canceled" | "output_limit";
type ControlMessage =
  | { type: "started"; pid: number }
  | { type: "spawn_error"; message: string }
  | { type: "exit"; code: number | null; signal: string | null };

export async function runStep(opts: StepOptions): Promise<StepResult> {
  assertValidMarker(opts.marker);
  if (!(opts.timeoutMs > 0)) throw new RangeError("timeoutMs must be positive.");
  if (!(opts.maxOutputBytes > 0)) throw new RangeError("maxOutputBytes must be positive.");

  const startedAt = performance.now();
  const result = (outcome: StepOutcome, message: string, extra: Partial<StepResult> = {}): StepResult => ({
    outcome,
    exitCode: null,
    signal: null,
    durationMs: Math.round(performance.now() - startedAt),
    outputBytes: 0,
    message,
    ...extra,
  });

  if (opts.signal?.aborted) return result("canceled", "Canceled.");
  const problem = await checkCanStart(opts);
  if (problem) return result("spawn_error", `Could not start: ${problem}`);
  if (opts.signal?.aborted) return result("canceled", "Canceled.");

  const env: Record<string, string> = { ...opts.env, [MARKER_VAR]: opts.marker };
  let sandbox: Sandbox | null = null;
  if (opts.sandbox) {
    try {
      sandbox = await openSandbox({ ...opts.sandbox, argv: ["/bin/sh", "-c", opts.command], env });
    } catch (err) {
      return result("spawn_error", `Could not start the sandbox: ${errorText(err)}`);
    }
  }
  try {
    return await supervise(opts, env, sandbox, result);
  } finally {
    await sandbox?.close();
  }
}

async function supervise(
  opts: StepOptions,
  env: Record<string, string>,
  sandbox: Sandbox | null,
  result: (outcome: StepOutcome, message: string, extra?: Partial<StepResult>) => StepResult,
): Promise<StepResult> {
  // The launcher gets nothing but the marker; the step's environment goes to it over stdin.
  let child: ChildProcess;
  try {
    child = takeLauncher(opts.marker) ?? spawnLauncher(opts.marker);
  } catch (err) {
    return result("spawn_error", `Could not start: ${errorText(err)}`);
  }
  const pgid = child.pid;
  const stdout = child.stdout!;
  const stderr = child.stderr!;
  const controlStream = child.stdio[3] as Readable;

  let outputBytes = 0;
  let reason: StopReason | null = null;
  let exited = false;
  let callbackError: unknown = null;
  let launchError: string | null = null;
  const messages: ControlMessage[] = [];
  let killTimer: NodeJS.Timeout | undefined;

  const deliver = (stream: "stdout" | "stderr") => (text: string) => {
    if (callbackError !== null) return;
    try {
      opts.onLine(stream, text);
    } catch (err) {
      callbackError = err;
      stop("canceled");
    }
  };
  const splitters = { stdout: new LineSplitter(deliver("stdout")), stderr: new LineSplitter(deliver("stderr")) };

  const signalGroup = (sig: NodeJS.Signals) => {
    if (pgid === undefined) return;
    try {
      process.kill(-pgid, sig);
    } catch {
      // group already empty
    }
  };

  function stop(why: StopReason) {
    if (reason !== null) return;
    reason = why;
    if (why === "output_limit") {
      stdout.destroy();
      stderr.destroy();
    }
    if (exited) return; // the cleanup after exit kills everything anyway
    signalGroup("SIGTERM");
    killTimer = setTimeout(() => signalGroup("SIGKILL"), KILL_GRACE_MS);
  }

  const onData = (stream: "stdout" | "stderr") => (chunk: Buffer) => {
    if (reason === "output_limit") return;
    const room = opts.maxOutputBytes - outputBytes;
    outputBytes += chunk.length;
    if (chunk.length > room) {
      if (room > 0) splitters[stream].push(chunk.subarray(0, room));
      stop("output_limit");
      return;
    }
    splitters[stream].push(chunk);
  };
  stdout.on("data", onData("stdout"));
  stderr.on("data", onData("stderr"));
  for (const s of [stdout, stderr, controlStream, child.stdin!]) s.on("error", () => {});

  let shellEnded = () => {};
  const shellEnd = new Promise<null>((resolve) => (shellEnded = () => resolve(null)));
  readJsonLines<ControlMessage>(controlStream, (message) => {
    messages.push(message);
    if (message.type === "exit") shellEnded();
    if (message.type !== "started") return;
    readyNext(opts.marker);
    opts.onStarted?.();
  });

  const timeoutTimer = setTimeout(() => stop("timeout"), Math.min(opts.timeoutMs, MAX_TIMER_MS));
  const onAbort = () => stop("canceled");
  opts.signal?.addEventListener("abort", onAbort, { once: true });

  const launcherExit = new Promise<{ code: number | null; signal: string | null }>((resolve) => {
    child.once("error", (err) => {
      launchError = errorText(err);
      resolve({ code: null, signal: null });
    });
    child.once("exit", (code, signal) => resolve({ code, signal }));
  });
  const closed = (s: Readable) => new Promise<void>((resolve) => (s.closed || s.destroyed ? resolve() : s.once("close", () => resolve())));
  const allClosed = Promise.all([closed(stdout), closed(stderr), closed(controlStream)]);

  const launch = sandbox ? { file: sandbox.file, args: sandbox.args, env: sandbox.env } : { file: "/bin/sh", args: ["-c", opts.command], env };
  child.stdin!.end(JSON.stringify({ ...launch, cwd: opts.cwd, parentPid: process.pid }));

  // Over once the shell's end is reported (the launcher only exits after it, and goes with its group below) or the launcher is gone.
  const exit = (await Promise.race([launcherExit, shellEnd])) ?? { code: null, signal: null };
  exited = true;
  clearTimeout(timeoutTimer);
  clearTimeout(killTimer);
  opts.signal?.removeEventListener("abort", onAbort);

  // The step is over: nothing of it may run on, whether it succeeded or not.
  signalGroup("SIGKILL");
  // Meanwhile, let the pipes drain what was written before the end; an
  // escapee that still holds them (not found by its marker) must not keep us
  // waiting.
  let drainTimer: NodeJS.Timeout | undefined;
  await Promise.all([
    killMarked(opts.marker, undefined, idleLaunchers(opts.marker)),
    Promise.race([allClosed, new Promise((r) => (drainTimer = setTimeout(r, DRAIN_MS)))]),
  ]);
  clearTimeout(drainTimer);
  for (const s of [stdout, stderr, controlStream]) s.destroy();
  splitters.stdout.end();
  splitters.stderr.end();

  if (callbackError !== null) throw callbackError;

  const spawnError = messages.find((m) => m.type === "spawn_error");
  const started = messages.some((m) => m.type === "started");
  const shellExit = messages.find((m) => m.type === "exit");
  const exitCode = shellExit ? shellExit.code : exit.code;
  const signal = shellExit ? shellExit.signal : exit.signal;
  const extra = { exitCode, signal, outputBytes };

  const stoppedReason = reason as StopReason | null; // assigned in callbacks
  if (stoppedReason === "timeout") return result("timeout", `Timed out after ${formatDuration(opts.timeoutMs)}; the step was stopped.`, extra);
  if (stoppedReason === "output_limit") return result("output_limit", `Build output exceeded ${formatBytes(opts.maxOutputBytes)}; the step was stopped.`, extra);
  if (stoppedReason === "canceled") return result("canceled", "Canceled.", extra);
  if (launchError !== null) return result("spawn_error", `Could not start: ${launchError}`, extra);
  if (spawnError) return result("spawn_error", `Could not start: ${spawnError.message}`, extra);
  if (!started) {
    return result("spawn_error", `Could not start: the launcher ${describeExit(exit.code, exit.signal)}.`, extra);
  }
  // A step that ran into a limit of its sandbox fails, naming the limit.
  const limit = sandbox ? await sandbox.limitMessage(signal) : null;
  if (limit) return result("failed", `Command stopped: ${limit}`, extra);
  if (exitCode === 0) return result("succeeded", "Command exited with code 0.", extra);
  return result("failed", `Command ${describeExit(exitCode, signal)}.`, extra);
}

async function checkCanStart(opts: StepOptions): Promise<string | null> {
  if (typeof opts.command !== "string" || opts.command.trim() === "") return "the command is empty.";
  if (opts.command.includes("\0")) return "the command contains a NUL character.";
  for (const [key, value] of Object.entries(opts.env)) {
    if (key === "" || key.includes("=") || key.includes("\0")) return `invalid environment variable name ${JSON.stringify(key)}.`;
    if (typeof value !== "string" || value.includes("\0")) return `environment variable ${key} has an invalid value.`;
  }
  try {
    if (!(await stat(opts.cwd)).isDirectory()) return `working directory ${opts.cwd} is not a directory.`;
  } catch {
    return `working directory ${opts.cwd} does not exist.`;
  }
  try {
    await access("/bin/sh", fsConstants.X_OK);
  } catch {
    return "/bin/sh is missing or not executable.";
  }
  try {
    await access(LAUNCHER_PATH, fsConstants.R_OK);
  } catch {
    return `the sandbox launcher ${LAUNCHER_PATH} is missing.`;
  }
  return null;
}

function describeExit(code: number | null, signal: string | null): string {
  if (signal) return `was killed by signal ${signal}`;
  return `exited with code ${code ?? "unknown"}`;
}

function errorText(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.replace(/\s+/g, " ").trim().replace(/\.?$/, ".");
}

/** "0.5 s", "10 s", "10 min", "1 min 30 s". */
export function formatDuration(ms: number): string {
  const seconds = Math.round(ms / 100) / 10;
  if (seconds < 60) return `${seconds} s`;
  const whole = Math.round(seconds);
  const min = Math.floor(whole / 60);
  const rest = whole % 60;
  return rest === 0 ? `${min} min` : `${min} min ${rest} s`;
}

/** "20 MB", "1.5 MB", "512 KB", "100 bytes" (binary multiples). */
export function formatBytes(bytes: number): string {
  const units: [number, string][] = [
    [1024 ** 3, "GB"],
    [1024 ** 2, "MB"],
    [1024, "KB"],
  ];
  for (const [size, unit] of units) {
    if (bytes >= size) return `${Math.round((bytes / size) * 10) / 10} ${unit}`;
  }
  return `${bytes} bytes`;
}
