import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { findShellCalls } from "@/lib/security/find-shell-calls";

const root = path.resolve(import.meta.dirname, "../..");
// The one place a user's text reaches a shell: the build sandbox runs the app's
// own install/build command in its jail (README "What a build does").
const USER_COMMAND_RUNNERS = new Set(["lib/build/sandbox/launcher.mjs"]);

function sources(dir: string): string[] {
  return readdirSync(path.join(root, dir), { withFileTypes: true }).flatMap((e) => {
    const rel = path.posix.join(dir, e.name);
    if (e.isDirectory()) return e.name === "generated" ? [] : sources(rel);
    return /\.(ts|tsx|mjs|js)$/.test(e.name) && !/\.test\.tsx?$/.test(e.name) ? [rel] : [];
  });
}

describe("starting processes", () => {
  it("never goes through a shell with text that is not a constant, anywhere in lib/, bin/ or scripts/", () => {
    const files = [...sources("lib"), ...sources("bin"), ...sources("scripts")];
    expect(files.length).toBeGreaterThan(100);
    const findings = files.flatMap((f) => findShellCalls(f, readFileSync(path.join(root, f), "utf8"), { userCommandAllowed: USER_COMMAND_RUNNERS.has(f) }));
    expect(findings).toEqual([]);
  });

  it("flags exec, shell options it cannot read or that enable a shell, and sh -c with a built script", () => {
    const flagged = (code: string) => findShellCalls("x.ts", code).map((f) => f.message);
    const head = `import { exec, execSync, spawn, execFile } from "node:child_process"; import * as cp from "child_process";\n`;
    expect(flagged(head + "exec(`git clone ${url}`);")).toEqual(["exec() runs its command through a shell; use execFile or spawn with an argument list"]);
    expect(flagged(head + "cp.execSync('ls');")).toHaveLength(1);
    expect(flagged(head + 'spawn("git", ["clone", url], { shell: true });')).toEqual(["spawn() with shell enabled"]);
    expect(flagged(head + 'spawn("git", ["clone", url], { shell: "/bin/bash" });')).toEqual(["spawn() with shell enabled"]);
    expect(flagged(head + 'spawn("git", ["clone", url], { ...opts });')).toEqual(['spawn() options spread another object, so "shell" cannot be checked']);
    expect(flagged(head + 'execFile("git", ["clone", url], opts);')).toEqual(['execFile() options are not an object literal, so "shell" cannot be checked']);
    expect(flagged(head + 'spawn("/bin/sh", ["-c", "echo " + name]);')).toEqual(['spawn("/bin/sh", ["-c", …]) with a script that is not a constant']);
    expect(flagged(head + "spawn(shellPath, [\"-c\", script]);")).toEqual(["spawn(shellPath, …) may start a shell"]);
    expect(flagged(head + 'spawn(toolPath("bash"), ["-c", script]); spawn(toolPath(tool), ["-c", x]);')).toEqual([
      'spawn(toolPath("bash"), …) may start a shell',
      "spawn(toolPath(tool), …) may start a shell",
    ]);
    // Allowed: argument lists, shell: false, constant scripts with arguments passed as "$@".
    expect(flagged(head + 'spawn("git", ["clone", "--", url], { cwd, shell: false }); execFile(process.execPath, [script]);')).toEqual([]);
    expect(flagged(head + 'spawn(toolPath("named"), ["-g", "-c", conf]);')).toEqual([]);
    expect(flagged(head + "spawn(\"/bin/sh\", [\"-c\", 'exec \"$@\"', \"sh\", bin, ...args], { stdio: \"ignore\" });")).toEqual([]);
  });
});
