// Launcher for one untrusted build step. Plain JavaScript so it starts with a
// bare `node launcher.mjs`, no loader. run-step.ts starts it as the leader of
// a new process group (detached), with:
//
//   env    only SLIPWAY_SANDBOX=<marker> (so the marker scan finds us too);
//   fd 0   one JSON document, then EOF: { file, args, env, cwd, parentPid };
//   fd 1/2 the pipes the build's output goes to (handed to the shell as is);
//   fd 3   control channel back to run-step, one JSON message a line:
//            {"type":"started","pid":N}
//            {"type":"spawn_error","message":"..."}
//            {"type":"exit","code":N|null,"signal":"SIG..."|null}
//
// It runs `file args...` (`/bin/sh -c <command>`, or the chain of
// lib/sandbox/sandbox.ts that runs it in the sandbox) in `cwd`, in the same
// group, with exactly the given environment and stdin from /dev/null, then
// exits the way it did. It may be started well before its request comes
// (launchers.ts), so it does nothing until then.
// Every ~250 ms it checks that the worker that started it is still its
// parent; if the worker died (even by SIGKILL), it kills the whole group so
// no build outlives it.
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";

const CONTROL_FD = 3;
const POLL_MS = 250;
const O_CLOEXEC = 0o2000000;

const startPpid = process.ppid;
let expectedParent = startPpid;

function control(message) {
  try {
    fs.writeSync(CONTROL_FD, `${JSON.stringify(message)}\n`);
  } catch {
    // nobody is listening any more
  }
}

function killGroup() {
  try {
    process.kill(-process.pid, "SIGKILL"); // includes us
  } catch {
    // not a group leader (started by hand): at least take the shell with us
    shell?.kill("SIGKILL");
  }
  process.exit(137);
}

function parentGone() {
  if (process.ppid !== startPpid || startPpid !== expectedParent) return true;
  try {
    process.kill(expectedParent, 0);
    return false;
  } catch (err) {
    return err.code === "ESRCH";
  }
}

// Descriptors the worker leaked to us without close-on-exec (anything above
// stdio and our control channel) must not reach the build.
function closeInheritedFds() {
  let names;
  try {
    names = fs.readdirSync("/proc/self/fd");
  } catch {
    return;
  }
  for (const name of names) {
    const fd = Number(name);
    if (!(fd > 2) || fd === CONTROL_FD) continue;
    try {
      const flags = /^flags:\s*([0-7]+)/m.exec(fs.readFileSync(`/proc/self/fdinfo/${fd}`, "utf8"));
      if (flags && (parseInt(flags[1], 8) & O_CLOEXEC) === 0) fs.closeSync(fd);
    } catch {
      // already closed (e.g. the directory handle used to list them)
    }
  }
}

function isStringRecord(value) {
  return (
    typeof value === "object" &&
    value !== null &&
    !Array.isArray(value) &&
    Object.values(value).every((v) => typeof v === "string")
  );
}

let shell = null;
const watch = setInterval(() => {
  if (parentGone()) killGroup();
}, POLL_MS);

// The group is SIGTERMed on timeout/cancel/output limit. The shell gets that
// signal too; we stay to report how it ended (SIGKILL follows after a grace).
process.on("SIGTERM", () => {});
process.on("SIGINT", () => {});
process.on("SIGHUP", () => {});

const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
let request;
try {
  request = JSON.parse(Buffer.concat(chunks).toString("utf8"));
} catch {
  request = null;
}
if (
  !request ||
  typeof request.file !== "string" ||
  !Array.isArray(request.args) ||
  !request.args.every((a) => typeof a === "string") ||
  !isStringRecord(request.env) ||
  typeof request.cwd !== "string" ||
  !Number.isInteger(request.parentPid)
) {
  // Most likely the worker died before it could send the request.
  if (parentGone()) killGroup();
  control({ type: "spawn_error", message: "the launcher received no valid request" });
  process.exit(125);
}
expectedParent = request.parentPid;
if (parentGone()) killGroup();

closeInheritedFds();
try {
  shell = spawn(request.file, request.args, {
    cwd: request.cwd,
    env: request.env,
    stdio: ["ignore", "inherit", "inherit"],
  });
} catch (err) {
  control({ type: "spawn_error", message: err.message });
  process.exit(125);
}
shell.on("spawn", () => control({ type: "started", pid: shell.pid }));
shell.on("error", (err) => {
  control({ type: "spawn_error", message: `${request.file}: ${err.message}` });
  process.exit(125);
});
shell.on("exit", (code, signal) => {
  control({ type: "exit", code, signal });
  clearInterval(watch);
  if (signal) {
    process.removeAllListeners(signal);
    try {
      process.kill(process.pid, signal);
    } catch {
      // fall through to an exit code
    }
    process.exit(128 + (os.constants.signals[signal] ?? 0));
  }
  process.exit(code ?? 1);
});
