import { type ChildProcess, spawn } from "node:child_process";
import { afterEach, describe, expect, it } from "vitest";
import { findMarked, killMarked } from "@/lib/build/sandbox/kill-marked";
import { liveMarkedPids, uniqueMarker, waitUntilNoneMarked } from "@/lib/build/sandbox/sandbox-test-helpers";

const children: ChildProcess[] = [];

function startMarked(extra: Record<string, string>): ChildProcess {
  const env: Record<string, string> = { PATH: process.env.PATH ?? "/usr/bin:/bin", ...extra };
  // setsid: its own session and group, like a build process that escaped.
  const child = spawn("setsid", ["sleep", "1000"], {
    env: env as NodeJS.ProcessEnv,
    stdio: "ignore",
  });
  children.push(child);
  return child;
}

async function waitForPids(marker: string, count: number) {
  const deadline = Date.now() + 5000;
  while (liveMarkedPids(marker).length < count) {
    if (Date.now() > deadline) throw new Error(`expected ${count} processes marked ${marker}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

afterEach(() => {
  for (const child of children.splice(0)) child.kill("SIGKILL");
});

describe("killMarked", () => {
  it("kills exactly the processes whose environment holds SLIPWAY_SANDBOX=<marker>", async () => {
    const marker = uniqueMarker("km");
    const target = startMarked({ SLIPWAY_SANDBOX: marker });
    const longer = startMarked({ SLIPWAY_SANDBOX: `${marker}-other` });
    const elsewhere = startMarked({ OTHER: `SLIPWAY_SANDBOX=${marker}x` });
    await waitForPids(marker, 1);
    await waitForPids(`${marker}-other`, 1);

    expect(await findMarked(marker)).toEqual([target.pid]);
    expect(await killMarked(marker)).toEqual([target.pid]);
    await waitUntilNoneMarked(marker, 1000);
    expect(liveMarkedPids(`${marker}-other`)).toEqual([longer.pid]);
    await new Promise((r) => setTimeout(r, 100)); // a killed child would have been reaped by now
    expect(longer.signalCode).toBeNull();
    expect(elsewhere.exitCode).toBeNull();
    expect(elsewhere.signalCode).toBeNull();
    expect(await killMarked(marker)).toEqual([]);
  });

  it("rejects markers that could match more than intended", async () => {
    await expect(killMarked("")).rejects.toThrow(/Invalid sandbox marker/);
    await expect(killMarked("a\0b")).rejects.toThrow(/Invalid sandbox marker/);
    await expect(findMarked("x=y")).rejects.toThrow(/Invalid sandbox marker/);
  });
});
