import { describe, expect, it } from "vitest";
import type { ProcessStatus } from "@/lib/platform/process-status";
import { processNotice } from "@/lib/platform/process-notice";

const NOW = Date.parse("2026-12-07T12:00:00Z");
const proc = (over: Partial<ProcessStatus>): ProcessStatus => ({
  name: "worker",
  state: "running",
  pid: 1,
  restarts: 0,
  startedAt: null,
  lastExit: null,
  gaveUp: null,
  ...over,
});

describe("processNotice", () => {
  it("says nothing while every process runs as started, or its restarts are over an hour old", () => {
    expect(processNotice([proc({}), proc({ name: "router" })], NOW)).toBeNull();
    const old = proc({ restarts: 2, lastExit: { code: 1, signal: null, at: "2026-12-07T10:30:00Z", line: null } });
    expect(processNotice([old], NOW)).toBeNull();
  });

  it("names a process restarted within the hour, how often and how it last ended", () => {
    const worker = proc({ restarts: 3, lastExit: { code: null, signal: "SIGKILL", at: "2026-12-07T11:58:07Z", line: "x" } });
    expect(processNotice([worker, proc({ name: "router" })], NOW)).toEqual({
      tone: "warning",
      text: "The worker process was restarted 3 times (last: was killed by SIGKILL at 11:58:07 UTC); running again.",
    });
  });

  it("puts a process the supervisor gave up on first, in its words", () => {
    const gaveUp = "console exited 5 times within 60 s (last: exited with code 1); not restarting it.";
    const notice = processNotice([proc({ name: "console", state: "failed", restarts: 4, gaveUp }), proc({ restarts: 1, lastExit: { code: 1, signal: null, at: "2026-12-07T11:59:00Z", line: null } })], NOW);
    expect(notice).toEqual({ tone: "error", text: gaveUp });
  });
});
