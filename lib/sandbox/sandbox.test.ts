import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { chmod, chown, mkdir, mkdtemp, rm, stat, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openSandbox, type SandboxLimits } from "@/lib/sandbox/sandbox";
import { sandboxMode } from "@/lib/sandbox/sandbox-mode";

// The sandbox itself, run for real (needs root, bubblewrap and slirp4netns, as CI has).
const UID = 399_001;
const LIMITS: SandboxLimits = { memoryMb: 128, pids: 32, fileSizeMb: 8, tmpMb: 16, memorySetting: "TEST_MEMORY" };
let work: string;

beforeAll(async () => {
  expect(await sandboxMode("on")).toEqual({ state: "on" });
  work = await mkdtemp(path.join(os.tmpdir(), "slipway-sandbox-test-"));
  await chmod(work, 0o711);
  await writeFile(path.join(work, "secret"), "platform secret", { mode: 0o600 });
  await mkdir(path.join(work, "ws"), { mode: 0o700 });
  await chown(path.join(work, "ws"), UID, UID);
});
afterAll(() => rm(work, { recursive: true, force: true }));

async function inSandbox(script: string, limits: SandboxLimits = LIMITS) {
  const sb = await openSandbox({
    label: "unit",
    uid: UID,
    mounts: [{ from: path.join(work, "ws"), to: "/workspace", writable: true }],
    cwd: "/workspace",
    argv: ["/bin/sh", "-c", script],
    env: { PATH: "/usr/bin:/bin", MARK: "x" },
    limits,
    allow: [],
  });
  const nsWhileRunning = existsSync(sb.netns);
  let out = "";
  const child = spawn(sb.file, sb.args, { env: sb.env as NodeJS.ProcessEnv, stdio: ["ignore", "pipe", "pipe"] });
  child.stdout.on("data", (c) => (out += c));
  child.stderr.on("data", (c) => (out += c));
  const [code, signal] = await new Promise<[number | null, string | null]>((r) => child.on("exit", (c, s) => r([c, s])));
  const limit = await sb.limitMessage(signal);
  await sb.close();
  return { out, code, limit, nsWhileRunning, nsAfter: existsSync(sb.netns) };
}

describe("the sandbox", () => {
  it("runs as the given uid with nothing of the host but the system, and its own workspace", async () => {
    const r = await inSandbox(`id -u; id -G; cat ${work}/secret 2>&1; ls /proc | grep -c '^[0-9]'; echo hi > /workspace/f && cat /workspace/f; touch /usr/x 2>&1 | head -1`);
    const lines = r.out.trim().split("\n");
    expect(lines[0]).toBe(String(UID));
    expect(lines[1]).toBe(String(UID));
    expect(lines[2]).toMatch(/No such file or directory/);
    expect(Number(lines[3])).toBeLessThanOrEqual(5);
    expect(lines[4]).toBe("hi");
    expect(lines[5]).toMatch(/Read-only file system/);
    expect(existsSync(path.join(work, "ws", "f"))).toBe(true);
    // Its network namespace exists while it runs and is gone after close().
    expect(r.nsWhileRunning).toBe(true);
    expect(r.nsAfter).toBe(false);
  });

  it("refuses the host's loopback and addresses at once, and names the limit a process ran into", async () => {
    const net = await inSandbox(`node -e "require('net').connect(22, '10.0.2.2').on('error', (e) => console.log(e.code))"`);
    expect(net.out.trim()).toBe("EHOSTUNREACH");
    const memory = await inSandbox(`node -e "const a = []; for (;;) a.push(Buffer.alloc(8 << 20, 1))"`);
    expect(memory.limit).toBe("it used more than its memory limit of 128 MB (TEST_MEMORY) and was killed.");
    const pids = await inSandbox(`i=0; while [ $i -lt 100 ]; do sleep 5 & i=$((i+1)); done 2>/dev/null; exit 0`);
    expect(pids.limit).toBe("it reached its limit of 32 processes and threads (SANDBOX_PIDS).");
    const file = await inSandbox(`head -c 20000000 /dev/zero > /workspace/big`);
    expect(file.code).not.toBe(0);
    expect(existsSync(path.join(work, "ws", "big"))).toBe(true);
    expect((await stat(path.join(work, "ws", "big"))).size).toBe(8 * 1024 * 1024);
  }, 30_000);
});
