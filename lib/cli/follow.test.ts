import { describe, expect, it } from "vitest";
import type { DeploymentStatus, DeploymentView, LogLine, LogPage, Stage } from "@/lib/cli/api-client";
import { ApiError, NetworkError } from "@/lib/cli/errors";
import { followDeployment, StageTracker } from "@/lib/cli/follow";
import { memoryIo } from "@/lib/cli/io";

const T0 = Date.parse("2026-01-01T00:00:00.000Z");
const iso = (ms: number) => new Date(T0 + ms).toISOString();
const stage = (name: string, status: Stage["status"], start: number, end: number | null = null, detail: string | null = null): Stage => ({
  name,
  status,
  detail,
  startedAt: iso(start),
  finishedAt: end === null ? null : iso(end),
});
const log = (seq: number, at: number, text: string, stream: LogLine["stream"] = "stdout"): LogLine => ({ seq, stream, text, at: iso(at) });

const describeItems = (items: ReturnType<StageTracker["merge"]>) =>
  items.map((i) => (i.kind === "log" ? `log ${i.line.text}` : `${i.event.kind} ${i.event.stage.name}`));

describe("StageTracker", () => {
  it("announces each start and end once, merged with the log by time", () => {
    const t = new StageTracker();
    t.observe([stage("source", "succeeded", 0, 10), stage("install", "running", 11)], 0);
    const lines = [log(1, 1, "── source", "system"), log(2, 12, "── install", "system"), log(3, 20, "npm ci")];
    // The worker's stage markers place the stage lines but are not printed, and
    // a start right before its own end is left out.
    expect(describeItems(t.merge(lines, T0 + 20, 0))).toEqual(["end source", "start install", "log npm ci"]);
    t.observe([stage("source", "succeeded", 0, 10), stage("install", "running", 11)], 0);
    expect(t.merge([], T0 + 20, 0)).toEqual([]);
    expect(t.running).toBe(true);
  });

  it("holds a stage line back until the log has caught up with it", () => {
    const t = new StageTracker();
    t.observe([stage("install", "succeeded", 0, 30), stage("build", "running", 31)], 1000);
    // The log so far only reaches t=20: only the install start is due.
    expect(describeItems(t.merge([log(1, 20, "added 3 packages")], T0 + 20, 1000))).toEqual(["start install", "log added 3 packages"]);
    // The worker's next lines arrive: the install end and build start slot in before them.
    expect(describeItems(t.merge([log(2, 25, "audited"), log(3, 32, "── build"), log(4, 40, "vite build")], T0 + 40, 1100))).toEqual([
      "log audited",
      "end install",
      "start build",
      "log ── build",
      "log vite build",
    ]);
  });

  it("releases stage lines anyway when the log stays quiet, or on flush", () => {
    const t = new StageTracker();
    t.observe([stage("install", "running", 100)], 1000);
    expect(t.merge([], T0, 1500)).toEqual([]);
    expect(describeItems(t.merge([], T0, 3000))).toEqual(["start install"]);
    t.observe([stage("install", "succeeded", 100, 200)], 3000);
    expect(describeItems(t.merge([], null, 3000, true))).toEqual(["end install"]);
  });

  it("gives a skipped stage, and a stage with no output between start and end, one line", () => {
    const t = new StageTracker();
    t.observe([stage("migrate", "running", 10)], 0);
    t.observe([stage("migrate", "skipped", 10, 11), stage("bundle", "succeeded", 12, 20, "3 files")], 0);
    expect(describeItems(t.merge([], null, 0, true))).toEqual(["end migrate", "end bundle"]);
    expect(t.running).toBe(false);
  });
});

// A scripted console: each poll of the log moves to the next snapshot.
type Snapshot = { status: DeploymentStatus; stages: Stage[]; lines: LogLine[]; failure?: [string, string] };

function fakeClient(snapshots: Snapshot[], opts: { failAt?: Map<number, Error> } = {}) {
  let index = -1;
  let calls = 0;
  const current = () => snapshots[Math.max(0, Math.min(index, snapshots.length - 1))];
  return {
    calls: () => calls,
    async logs(_id: string, after: number, limit: number): Promise<LogPage> {
      calls += 1;
      const failure = opts.failAt?.get(calls);
      if (failure) throw failure;
      index += 1;
      const snap = current();
      const lines = snap.lines.filter((l) => l.seq > after).slice(0, limit);
      const final = ["live", "failed", "canceled", "superseded", "canary"].includes(snap.status);
      return { lines, lastSeq: snap.lines.at(-1)?.seq ?? 0, done: final, status: snap.status };
    },
    async deployment(): Promise<DeploymentView> {
      const snap = current();
      return {
        deployment: {
          id: "d1",
          status: snap.status,
          commitSha: "a".repeat(64),
          environment: "preview",
          branch: "b",
          failureStage: snap.failure?.[0] ?? null,
          failureReason: snap.failure?.[1] ?? null,
        },
        stages: snap.stages,
      };
    },
  };
}

describe("followDeployment", () => {
  const lines = [
    log(1, 1, "── source", "system"),
    log(2, 12, "── install", "system"),
    log(3, 20, "added 0 packages"),
    log(4, 32, "── build", "system"),
    log(5, 40, "copied public/ to dist/"),
    log(6, 41, "warning: something", "stderr"),
    log(7, 60, "Failed at build: `npm run build`: exited with code 4", "system"),
  ];

  it("prints stage lines and the log in order, stderr to stderr, until the end", async () => {
    const client = fakeClient([
      { status: "building", stages: [stage("source", "running", 0)], lines: lines.slice(0, 1) },
      { status: "building", stages: [stage("source", "succeeded", 0, 10, "upload"), stage("install", "running", 11)], lines: lines.slice(0, 3) },
      {
        status: "failed",
        stages: [stage("source", "succeeded", 0, 10, "upload"), stage("install", "succeeded", 11, 30, "restored from cache"), stage("build", "failed", 31, 50, "`npm run build`: exited with code 4")],
        lines: lines.slice(0, 6),
        failure: ["build", "`npm run build`: exited with code 4"],
      },
      // The worker's last line lands after the status changed.
      {
        status: "failed",
        stages: [stage("source", "succeeded", 0, 10, "upload"), stage("install", "succeeded", 11, 30, "restored from cache"), stage("build", "failed", 31, 50, "`npm run build`: exited with code 4")],
        lines,
        failure: ["build", "`npm run build`: exited with code 4"],
      },
    ]);
    const { io, stdout, stderr } = memoryIo();
    const view = await followDeployment({ client, id: "d1", io, signal: new AbortController().signal, intervalMs: 1 });
    expect(view.deployment.status).toBe("failed");
    expect(stdout).toEqual([
      "▸ source …",
      "✓ source   10 ms  upload",
      "▸ install …",
      "  │ added 0 packages",
      "✓ install  19 ms  restored from cache",
      "▸ build …",
      "  │ copied public/ to dist/",
      "✗ build    19 ms  `npm run build`: exited with code 4",
      "  │ Failed at build: `npm run build`: exited with code 4",
    ]);
    expect(stderr).toEqual(["  │ warning: something"]);
  });

  it("retries through a console restart, and gives up on a refusal", async () => {
    const done: Snapshot = { status: "live", stages: [stage("publish", "succeeded", 0, 5, "live")], lines: [log(1, 6, "Deployment is live.", "system")] };
    const flaky = fakeClient([done], { failAt: new Map([[1, new NetworkError("http://c", "connection refused (ECONNREFUSED)")]]) });
    const { io, stdout, stderr } = memoryIo();
    await followDeployment({ client: flaky, id: "d1", io, signal: new AbortController().signal, intervalMs: 1 });
    expect(stderr).toEqual(["… Could not reach http://c: connection refused (ECONNREFUSED); retrying"]);
    expect(stdout).toEqual(["✓ publish  5 ms  live", "  │ Deployment is live."]);

    const refused = fakeClient([done], { failAt: new Map([[1, new ApiError(404, "not_found", "Deployment was not found.")]]) });
    await expect(followDeployment({ client: refused, id: "d1", io, signal: new AbortController().signal, intervalMs: 1 })).rejects.toThrow("Deployment was not found.");
  });

  it("stops when the signal fires", async () => {
    const forever = fakeClient([{ status: "building", stages: [stage("build", "running", 0)], lines: [] }]);
    const controller = new AbortController();
    const { io } = memoryIo();
    const following = followDeployment({ client: forever, id: "d1", io, signal: controller.signal, intervalMs: 5 });
    setTimeout(() => controller.abort(), 30);
    await expect(following).rejects.toThrow(/aborted/i);
    expect(forever.calls()).toBeGreaterThan(1);
  });
});
