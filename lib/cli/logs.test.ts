import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { ApiError, NetworkError } from "@/lib/cli/errors";
import { paint } from "@/lib/cli/format";
import { memoryIo } from "@/lib/cli/io";
import { FOLLOW_PAGE, followLogs, formatRuntimeLogLine, parseLogsArgs } from "@/lib/cli/logs";
import { main } from "@/lib/cli/main";
import type { TraceView } from "@/lib/logs/get-trace";
import type { LogLineView, LogPage } from "@/lib/logs/list-logs";
import { usageError } from "@/lib/cli/testing";

const TOKEN = "slw_" + "l".repeat(43);
const URL_ = "http://console.test";
const DEPLOYMENT = "0b5ac3c1-7c5e-4d8e-9f0a-3a1f6c2d4e5f";
const SHA = "1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b";

const request = (id: number, over: Partial<LogLineView> = {}): LogLineView => ({
  id: String(id),
  at: `2026-01-01T10:00:${String(id % 60).padStart(2, "0")}.000Z`,
  deploymentId: DEPLOYMENT,
  sha: SHA,
  source: "request",
  method: "GET",
  path: "/api/x",
  status: 200,
  durationMs: 12.34,
  bytes: 1234,
  arm: null,
  instance: "node-1#0",
  text: "",
  traceId: null,
  traceUrl: null,
  ...over,
});
const TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
const output = (id: number, text: string, source: "stdout" | "stderr" = "stdout"): LogLineView =>
  request(id, { source, method: null, path: null, status: null, durationMs: null, bytes: null, instance: "node-1#0", text });

describe("parseLogsArgs", () => {
  it("takes a UUID as a deployment id and anything else as a project slug, with the defaults", () => {
    expect(parseLogsArgs([DEPLOYMENT.toUpperCase()])).toEqual({
      help: false,
      scope: { deploymentId: DEPLOYMENT },
      filters: { source: undefined, status: undefined, path: undefined, text: undefined, since: undefined, until: undefined },
      limit: 100,
      follow: false,
      json: false,
      url: undefined,
      token: undefined,
    });
    expect(parseLogsArgs(["my-app"])).toMatchObject({ scope: { slug: "my-app" } });
    // The console's 8-character short id is not a UUID: it is taken as a slug.
    expect(parseLogsArgs(["0b5ac3c1"])).toMatchObject({ scope: { slug: "0b5ac3c1" } });
    expect(parseLogsArgs(["--help"])).toEqual({ help: true });
  });

  it("reads every filter", () => {
    const args = parseLogsArgs(["my-app", "-f", "--since", "2h", "--until", "1h", "--status", "5XX", "--source", "request", "--path", "/api/", "--text", "timeout", "-n", "1000", "--json"]);
    expect(args).toMatchObject({
      follow: true,
      json: true,
      limit: 1000,
      filters: { since: "2h", until: "1h", status: "5xx", source: "request", path: "/api/", text: "timeout" },
    });
  });

  it("refuses bad values with one line naming the flag", () => {
    expect(usageError(() => parseLogsArgs([])).message).toBe("Missing the deployment id or project slug: whose logs, e.g. `slipway logs my-app`.");
    expect(usageError(() => parseLogsArgs(["a", "b"])).message).toBe('Unexpected argument: "b".');
    expect(usageError(() => parseLogsArgs(["a", "--status", "500"])).message).toBe('--status must be 2xx, 3xx, 4xx or 5xx (a class of codes), not "500".');
    expect(usageError(() => parseLogsArgs(["a", "--source", "out"])).message).toBe('--source must be request, app, stdout or stderr, not "out".');
    for (const bad of ["0", "1001", "ten", "-1", "1.5"]) {
      expect(usageError(() => parseLogsArgs(["a", `--limit=${bad}`])).message).toBe(`--limit must be a whole number from 1 to 1000, not "${bad}".`);
    }
    expect(usageError(() => parseLogsArgs(["a", "--since", "yesterday"])).message).toBe(
      '--since must be a duration back from now ("15m", "2h", "7d") or an ISO 8601 time, not "yesterday".',
    );
    expect(usageError(() => parseLogsArgs(["a", "--until", "2026-13-45"])).message).toMatch(/^--until must be a duration back from now/);
    expect(usageError(() => parseLogsArgs(["a", "--path", "api"])).message).toBe('--path must begin with /, not "api".');
    expect(usageError(() => parseLogsArgs(["a", "--since", "1h", "--until", "2h"])).message).toBe("--since 1h is after --until 2h: no line can match.");
    expect(usageError(() => parseLogsArgs(["a", "--status", "5xx", "--source", "app"])).message).toBe("--status matches request lines only, and --source app has none.");
    expect(usageError(() => parseLogsArgs(["a", "--text", " "])).message).toBe("--text must not be empty.");
    expect(usageError(() => parseLogsArgs(["a", "--tail"])).message).toBe("Unknown option --tail.");
    expect(usageError(() => parseLogsArgs(["a", "--since"])).message).toBe("Option --since needs a value.");
  });

  it("takes --trace with a project's slug and nothing else", () => {
    expect(parseLogsArgs(["my-app", "--trace", TRACE.toUpperCase(), "--json"])).toMatchObject({ scope: { slug: "my-app" }, trace: TRACE, json: true });
    expect(usageError(() => parseLogsArgs(["my-app", "--trace", "abc"])).message).toBe('--trace must be a trace id (32 hex digits), not "abc".');
    expect(usageError(() => parseLogsArgs([DEPLOYMENT, "--trace", TRACE])).message).toBe("--trace needs the project's slug (a trace belongs to a project), not a deployment id.");
    expect(usageError(() => parseLogsArgs(["my-app", "--trace", TRACE, "-f", "--status", "5xx"])).message).toBe("--trace prints one whole trace: it takes no --follow, --status.");
  });
});

describe("formatRuntimeLogLine", () => {
  it("reads a request like an access log, leaving out what is unknown", () => {
    expect(formatRuntimeLogLine(request(1, { status: 500, arm: "canary" }))).toBe("2026-01-01T10:00:01.000Z 1a2b3c4 req    GET /api/x 500 12.3ms 1.2 kB [canary] node-1#0");
    expect(formatRuntimeLogLine(request(2, { durationMs: null, bytes: null, instance: null }))).toBe("2026-01-01T10:00:02.000Z 1a2b3c4 req    GET /api/x 200");
  });

  it("prints output as written, stderr marked, control characters shown rather than obeyed", () => {
    expect(formatRuntimeLogLine(output(3, "listening on 3000"))).toBe("2026-01-01T10:00:03.000Z 1a2b3c4 stdout listening on 3000");
    expect(formatRuntimeLogLine(output(4, "Error: boom", "stderr"))).toBe("2026-01-01T10:00:04.000Z 1a2b3c4 stderr Error: boom");
    expect(formatRuntimeLogLine(output(5, "user \x1b[2Jname\r"))).toBe("2026-01-01T10:00:05.000Z 1a2b3c4 stdout user \\x1b[2Jname\\x0d");
  });

  it("colours 5xx and stderr red and 4xx yellow, only when asked", () => {
    const p = paint(true);
    expect(formatRuntimeLogLine(request(1, { status: 503 }), p)).toContain(" \x1b[31m503\x1b[0m ");
    expect(formatRuntimeLogLine(request(1, { status: 404 }), p)).toContain(" \x1b[33m404\x1b[0m ");
    expect(formatRuntimeLogLine(request(1, { status: 200 }), p)).toContain(" 200 ");
    expect(formatRuntimeLogLine(output(1, "boom", "stderr"), p)).toMatch(/\x1b\[31mstderr boom\x1b\[0m$/);
    expect(formatRuntimeLogLine(request(1, { status: 503 }))).not.toContain("\x1b");
  });
});

// A scripted console behind a fake fetch: each answer in turn, every request recorded.
function fakeFetch(answers: (LogPage | TraceView | { status: number; error: string } | Error)[]) {
  const requests: URL[] = [];
  const fetchImpl = (async (input: URL | RequestInfo) => {
    requests.push(new URL(String(input)));
    const answer = answers.length > 1 ? answers.shift()! : answers[0];
    if (answer instanceof Error) throw answer;
    if ("error" in answer) return Response.json({ error: { code: "x", message: answer.error } }, { status: answer.status });
    return Response.json(answer);
  }) as typeof fetch;
  return { fetchImpl, requests };
}

const run = (argv: string[], fetchImpl: typeof fetch) => {
  const mem = memoryIo({ env: { HOME: path.join(os.tmpdir(), "slipway-cli-logs-home"), SLIPWAY_URL: URL_, SLIPWAY_TOKEN: TOKEN } });
  return { ...mem, code: main(["logs", ...argv], mem.io, { fetch: fetchImpl, pollMs: 1 }) };
};

describe("slipway logs", () => {
  // Newest first, as the API answers a plain page.
  const page: LogPage = { lines: [output(3, "third", "stderr"), request(2), output(1, "first")], nextBefore: "1", lastId: "3" };

  it("prints the most recent lines oldest first, from the project's logs with the filters", async () => {
    const fake = fakeFetch([page]);
    const r = run(["my-app", "--status", "5xx", "--path", "/api/", "--since", "1h", "-n", "3"], fake.fetchImpl);
    expect(await r.code).toBe(0);
    expect(r.stdout).toEqual([
      "2026-01-01T10:00:01.000Z 1a2b3c4 stdout first",
      "2026-01-01T10:00:02.000Z 1a2b3c4 req    GET /api/x 200 12.3ms 1.2 kB node-1#0",
      "2026-01-01T10:00:03.000Z 1a2b3c4 stderr third",
    ]);
    expect(fake.requests).toHaveLength(1);
    expect(fake.requests[0].pathname).toBe("/api/projects/my-app/logs");
    expect(Object.fromEntries(fake.requests[0].searchParams)).toEqual({ status: "5xx", path: "/api/", since: "1h", limit: "3" });
  });

  it("prints one trace of a project with --trace, in the order the console gives, or as NDJSON", async () => {
    const trace: TraceView = {
      traceId: TRACE,
      lines: [request(1, { status: 500, traceId: TRACE }), output(2, "charging order 42", "stdout"), output(3, "Error: card declined", "stderr")],
      startedAt: "2026-01-01T10:00:00.988Z",
      endedAt: "2026-01-01T10:00:03.000Z",
      truncated: false,
      traceUrl: null,
    };
    const fake = fakeFetch([trace]);
    const r = run(["shop", "--trace", TRACE], fake.fetchImpl);
    expect(await r.code).toBe(0);
    expect(fake.requests.map((u) => u.pathname)).toEqual([`/api/projects/shop/traces/${TRACE}`]);
    expect(r.stdout).toEqual([
      "2026-01-01T10:00:01.000Z 1a2b3c4 req    GET /api/x 500 12.3ms 1.2 kB node-1#0",
      "2026-01-01T10:00:02.000Z 1a2b3c4 stdout charging order 42",
      "2026-01-01T10:00:03.000Z 1a2b3c4 stderr Error: card declined",
    ]);
    const json = run(["shop", "--trace", TRACE, "--json"], fakeFetch([trace]).fetchImpl);
    expect(await json.code).toBe(0);
    expect(json.stdout.map((l) => JSON.parse(l))).toEqual(trace.lines);
    // Unknown to the console: its words, exit 1.
    const missing = run(["shop", "--trace", TRACE], fakeFetch([{ status: 404, error: `Trace ${TRACE} was not found.` }]).fetchImpl);
    expect(await missing.code).toBe(1);
    expect(missing.stderr.join("\n")).toContain(`Trace ${TRACE} was not found.`);
  });

  it("asks a deployment's runtime logs for a UUID, and prints NDJSON with --json", async () => {
    const fake = fakeFetch([page]);
    const r = run([DEPLOYMENT, "--json"], fake.fetchImpl);
    expect(await r.code).toBe(0);
    expect(fake.requests[0].pathname).toBe(`/api/deployments/${DEPLOYMENT}/runtime-logs`);
    expect(r.stdout.map((l) => JSON.parse(l))).toEqual([...page.lines].reverse());
  });

  it("checks the flags before calling the console", async () => {
    const fake = fakeFetch([page]);
    const r = run(["my-app", "--source", "logs"], fake.fetchImpl);
    expect(await r.code).toBe(2);
    expect(r.stderr).toEqual(['Error: --source must be request, app, stdout or stderr, not "logs".', "Run `slipway logs --help` for usage."]);
    expect(fake.requests).toEqual([]);
  });

  it("reports a refusal and an answer that is not a log page as errors", async () => {
    let r = run(["nope"], fakeFetch([{ status: 404, error: "Project was not found." }]).fetchImpl);
    expect(await r.code).toBe(1);
    expect(r.stderr).toEqual(["Error: Project was not found."]);
    r = run(["my-app"], fakeFetch([{ lines: "?", lastId: null } as unknown as LogPage]).fetchImpl);
    expect(await r.code).toBe(1);
    expect(r.stderr[0]).toMatch(/did not answer with log lines/);
  });

  it("follows from the newest line until Ctrl-C, and exits 0", async () => {
    const next: LogPage = { lines: [output(4, "fourth"), output(5, "fifth")], nextBefore: null, lastId: "5" };
    const quiet: LogPage = { lines: [], nextBefore: null, lastId: "5" };
    const fake = fakeFetch([page, next, quiet]);
    const r = run(["my-app", "--follow", "--source", "app"], fake.fetchImpl);
    await expect.poll(() => fake.requests.length).toBeGreaterThan(3);
    r.interrupt();
    expect(await r.code).toBe(0);
    expect(r.stderr).toEqual([]);
    expect(r.stdout.slice(3)).toEqual(["2026-01-01T10:00:04.000Z 1a2b3c4 stdout fourth", "2026-01-01T10:00:05.000Z 1a2b3c4 stdout fifth"]);
    expect(r.stdout).toHaveLength(5);
    const afters = fake.requests.map((u) => u.searchParams.get("after"));
    expect(afters.slice(0, 4)).toEqual([null, "3", "5", "5"]);
    // Every poll keeps the filters.
    expect(fake.requests.every((u) => u.searchParams.get("source") === "app")).toBe(true);
  });

  it("with nothing matching yet, follows from the start (after=0)", async () => {
    const fake = fakeFetch([{ lines: [], nextBefore: null, lastId: null }]);
    const r = run(["my-app", "-f"], fake.fetchImpl);
    await expect.poll(() => fake.requests.length).toBeGreaterThan(1);
    r.interrupt();
    expect(await r.code).toBe(0);
    expect(fake.requests[1].searchParams.get("after")).toBe("0");
  });
});

describe("followLogs", () => {
  // A scripted console for the follower: each poll gets the next answer (the last one repeats).
  function fakePages(answers: (LogPage | Error)[]) {
    const polls: { after: string; limit: number }[] = [];
    return {
      polls,
      page: async (q: { after: string; limit: number }) => {
        polls.push(q);
        const a = answers.length > 1 ? answers.shift()! : answers[0];
        if (a instanceof Error) throw a;
        return a;
      },
    };
  }
  const lines = (from: number, n: number) => Array.from({ length: n }, (_, i) => output(from + i, `line ${from + i}`));

  it("keeps the cursor on the last line printed, polling again at once while pages come back full", async () => {
    const end = (n: number) => String(10 + n * FOLLOW_PAGE);
    // A full page's lastId is the newest match of all, past what was sent:
    // following it would skip the lines in between.
    const fake = fakePages([
      { lines: lines(11, FOLLOW_PAGE), nextBefore: null, lastId: "99999" },
      { lines: lines(Number(end(1)) + 1, FOLLOW_PAGE), nextBefore: null, lastId: "99999" },
      { lines: lines(Number(end(2)) + 1, 2), nextBefore: null, lastId: String(Number(end(2)) + 2) },
    ]);
    const printed: string[] = [];
    const controller = new AbortController();
    const { io } = memoryIo();
    // A minute between polls: only a full page can bring the next one in time.
    const following = followLogs({ page: fake.page, after: "10", print: (ls) => printed.push(...ls.map((l) => l.id)), io, signal: controller.signal, intervalMs: 60_000 });
    await expect.poll(() => fake.polls.length).toBe(3);
    controller.abort();
    await expect(following).rejects.toThrow(/aborted/i);
    expect(fake.polls).toEqual([
      { after: "10", limit: FOLLOW_PAGE },
      { after: end(1), limit: FOLLOW_PAGE },
      { after: end(2), limit: FOLLOW_PAGE },
    ]);
    expect(printed).toHaveLength(2 * FOLLOW_PAGE + 2);
    expect(new Set(printed).size).toBe(printed.length);
    expect(printed.at(-1)).toBe(String(Number(end(2)) + 2));
  });

  it("retries through a console restart with one line on stderr, and stops on a refusal", async () => {
    const down = new NetworkError(URL_, "connection refused (ECONNREFUSED)");
    const fake = fakePages([down, down, new ApiError(502, "http_502", "Bad gateway."), { lines: lines(6, 1), nextBefore: null, lastId: "6" }, { lines: [], nextBefore: null, lastId: "6" }]);
    const printed: string[] = [];
    const controller = new AbortController();
    const { io, stderr } = memoryIo();
    const following = followLogs({ page: fake.page, after: "5", print: (ls) => printed.push(...ls.map((l) => l.text)), io, signal: controller.signal, intervalMs: 1 });
    await expect.poll(() => fake.polls.length).toBeGreaterThan(5);
    controller.abort();
    await expect(following).rejects.toThrow(/aborted/i);
    expect(stderr).toEqual([`… Could not reach ${URL_}: connection refused (ECONNREFUSED); retrying`, "… Bad gateway; retrying", "… resumed"]);
    expect(printed).toEqual(["line 6"]);
    expect(fake.polls.slice(0, 5).map((p) => p.after)).toEqual(["5", "5", "5", "5", "6"]);

    for (const status of [401, 403, 404]) {
      const refused = fakePages([new ApiError(status, "x", `Refused ${status}.`)]);
      await expect(followLogs({ page: refused.page, after: "1", print: () => {}, io, signal: new AbortController().signal, intervalMs: 1 })).rejects.toThrow(`Refused ${status}.`);
      expect(refused.polls).toHaveLength(1);
    }
  });
});
