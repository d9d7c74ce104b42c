import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { childEnv } from "@/lib/platform/child-env";

const run = promisify(execFile);

export class GitError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "GitError";
  }
}

// git with no user or system config, no prompts, and only the transports we allow.
function git(args: string[], opts: { cwd?: string; allowLocal: boolean; timeoutMs: number }) {
  const protocols = ["-c", "protocol.ext.allow=never", "-c", `protocol.file.allow=${opts.allowLocal ? "always" : "never"}`];
  return run("git", [...protocols, ...args], {
    cwd: opts.cwd,
    timeout: opts.timeoutMs,
    killSignal: "SIGKILL",
    maxBuffer: 8 << 20,
    env: childEnv({
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      HOME: opts.cwd ?? "/nonexistent",
      GIT_TERMINAL_PROMPT: "0",
      GIT_CONFIG_NOSYSTEM: "1",
      GIT_CONFIG_GLOBAL: "/dev/null",
      GIT_ASKPASS: "/bin/false",
      SSH_ASKPASS: "/bin/false",
    }),
  }).catch((e: { stderr?: string; killed?: boolean; message: string }) => {
    if (e.killed) throw new GitError(`git timed out after ${Math.round(opts.timeoutMs / 1000)} s.`);
    const detail = (e.stderr ?? e.message).trim().split("\n").filter(Boolean).slice(-2).join(" ");
    throw new GitError(redact(detail));
  });
}

// Never echo credentials embedded in a URL.
const redact = (text: string) => text.replace(/(\w+:\/\/)[^@\s/]+@/g, "$1***@");

// The commit a branch points to now, or a clear error when there is no such branch.
export async function resolveBranch(location: string, branch: string, allowLocal: boolean): Promise<string> {
  const { stdout } = await git(["ls-remote", "--heads", "--", location, `refs/heads/${branch}`], {
    allowLocal,
    timeoutMs: 30_000,
  });
  const sha = stdout.split("\n").find((l) => l.endsWith(`\trefs/heads/${branch}`))?.split("\t")[0];
  if (!sha) throw new GitError(`Branch "${branch}" was not found in the repository.`);
  return sha;
}

// A fresh shallow clone of `branch` into `dir`, checked out at `sha`.
export async function cloneAt(opts: { location: string; branch: string; sha: string; dir: string; allowLocal: boolean; timeoutMs: number }) {
  const common = { allowLocal: opts.allowLocal, timeoutMs: opts.timeoutMs };
  await git(["clone", "--quiet", "--depth", "1", "--no-tags", "--single-branch", "--branch", opts.branch, "--", opts.location, opts.dir], common);
  const head = (await git(["rev-parse", "HEAD"], { ...common, cwd: opts.dir })).stdout.trim();
  if (head !== opts.sha) {
    // The branch moved since the deploy was requested; fetch the exact commit.
    await git(["fetch", "--quiet", "--depth", "1", "origin", opts.sha], { ...common, cwd: opts.dir }).catch(() => {
      throw new GitError(`Commit ${opts.sha.slice(0, 12)} could not be fetched from branch "${opts.branch}".`);
    });
    await git(["checkout", "--quiet", "--detach", opts.sha], { ...common, cwd: opts.dir });
  }
  const message = (await git(["log", "-1", "--format=%s"], { ...common, cwd: opts.dir })).stdout.trim();
  return { sha: opts.sha, message };
}
