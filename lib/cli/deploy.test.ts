import { createHash } from "node:crypto";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createGunzip } from "node:zlib";
import { extract } from "tar-stream";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { DeploymentStatus, LogLine, Stage } from "@/lib/cli/api-client";
import { memoryIo } from "@/lib/cli/io";
import { main } from "@/lib/cli/main";

// The CLI against a small fake console speaking the same REST API.

const TOKEN = "slw_" + "t".repeat(43);
const DEPLOYMENT_ID = "0b5ac3c1-7c5e-4d8e-9f0a-3a1f6c2d4e5f";
const T0 = Date.parse("2026-01-01T00:00:00.000Z");
const iso = (ms: number) => new Date(T0 + ms).toISOString();

type Snapshot = { status: DeploymentStatus; stages: Stage[]; lines: LogLine[]; failure?: [string, string] };
type Upload = { url: URL; headers: http.IncomingHttpHeaders; files: string[]; sha256: string; bytes: number };

const stage = (name: string, status: Stage["status"], start: number, end: number | null, detail: string | null = null): Stage => ({
  name,
  status,
  detail,
  startedAt: iso(start),
  finishedAt: end === null ? null : iso(end),
});
const line = (seq: number, at: number, text: string, stream: LogLine["stream"] = "stdout"): LogLine => ({ seq, stream, text, at: iso(at) });

const LIVE_RUN: Snapshot[] = [
  { status: "queued", stages: [], lines: [] },
  { status: "building", stages: [stage("source", "running", 0, null)], lines: [line(1, 1, "── source", "system")] },
  {
    status: "building",
    stages: [stage("source", "succeeded", 0, 10, "upload"), stage("install", "succeeded", 11, 30, "restored from cache"), stage("build", "running", 31, null)],
    lines: [line(1, 1, "── source", "system"), line(2, 12, "── install", "system"), line(3, 32, "── build", "system"), line(4, 40, "copied public/ to dist/")],
  },
  {
    status: "live",
    stages: [
      stage("source", "succeeded", 0, 10, "upload"),
      stage("install", "succeeded", 11, 30, "restored from cache"),
      stage("build", "succeeded", 31, 50, "npm run build"),
      stage("migrate", "skipped", 51, 52),
      stage("bundle", "succeeded", 53, 60, "2 files"),
      stage("upload", "succeeded", 61, 70),
      stage("publish", "succeeded", 71, 80, "live"),
    ],
    lines: [
      line(1, 1, "── source", "system"),
      line(2, 12, "── install", "system"),
      line(3, 32, "── build", "system"),
      line(4, 40, "copied public/ to dist/"),
      line(5, 45, "some warning", "stderr"),
      line(6, 81, "Deployment is live.", "system"),
    ],
  },
];

class FakeConsole {
  server = http.createServer((req, res) => void this.handle(req, res));
  uploads: Upload[] = [];
  snapshots: Snapshot[] = LIVE_RUN;
  polls = 0;
  url = "";

  async start() {
    await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  private send(res: http.ServerResponse, status: number, body: unknown) {
    res.writeHead(status, { "content-type": "application/json" });
    res.end(JSON.stringify(body));
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse) {
    const url = new URL(req.url!, this.url);
    if (req.headers.authorization !== `Bearer ${TOKEN}`) {
      req.resume();
      return this.send(res, 401, { error: { code: "unauthorized", message: "The API token is invalid, expired or revoked." } });
    }
    const snap = this.snapshots[Math.min(this.polls, this.snapshots.length - 1)];
    if (req.method === "GET" && url.pathname === "/api/me") {
      return this.send(res, 200, { user: { id: "u1", email: "dev@example.com", name: "Dev" }, teams: [{ id: "t1", name: "Default team", slug: "default", role: "owner" }] });
    }
    if (req.method === "GET" && url.pathname === "/api/projects/demo") return this.send(res, 200, { project: { id: "p1", slug: "demo", name: "Demo" }, role: "owner" });
    if (req.method === "GET" && url.pathname.startsWith("/api/projects/")) return this.send(res, 404, { error: { code: "not_found", message: "Project was not found." } });
    if (req.method === "POST" && url.pathname === "/api/projects/demo/deployments") {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const body = Buffer.concat(chunks);
      const files: string[] = [];
      const tar = extract();
      tar.on("entry", (header, stream, next) => {
        if (header.type === "file") files.push(header.name);
        stream.on("end", next);
        stream.resume();
      });
      await pipeline(Readable.from([body]), createGunzip(), tar);
      const sha256 = createHash("sha256").update(body).digest("hex");
      this.uploads.push({ url, headers: req.headers, files: files.sort(), sha256, bytes: body.length });
      return this.send(res, 201, {
        deployment: { id: DEPLOYMENT_ID, status: "queued", commitSha: sha256, environment: url.searchParams.get("environment") ?? "production", branch: url.searchParams.get("branch") ?? "main" },
      });
    }
    if (req.method === "GET" && url.pathname === `/api/deployments/${DEPLOYMENT_ID}/logs`) {
      this.polls += 1;
      const after = Number(url.searchParams.get("after"));
      const final = ["live", "failed", "canceled", "superseded", "canary"].includes(snap.status);
      return this.send(res, 200, { lines: snap.lines.filter((l) => l.seq > after), lastSeq: snap.lines.at(-1)?.seq ?? 0, done: final, status: snap.status });
    }
    if (req.method === "GET" && url.pathname === `/api/deployments/${DEPLOYMENT_ID}`) {
      return this.send(res, 200, {
        deployment: { id: DEPLOYMENT_ID, status: snap.status, commitSha: "x", environment: "preview", branch: "cli-test", failureStage: snap.failure?.[0] ?? null, failureReason: snap.failure?.[1] ?? null, bundle: null },
        stages: snap.stages,
        events: snap.status === "canceled" ? [{ toStatus: "queued", reason: null }, { toStatus: "canceled", reason: "Superseded by deployment 123." }] : [],
      });
    }
    this.send(res, 404, { error: { code: "not_found", message: `No route ${req.method} ${url.pathname}` } });
  }
}

let fake: FakeConsole;
let tmp: string;
let app: string;

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), "slipway-cli-deploy-"));
  app = path.join(tmp, "app");
  await mkdir(path.join(app, "public"), { recursive: true });
  await mkdir(path.join(app, "node_modules", "dep"), { recursive: true });
  await mkdir(path.join(app, ".git"), { recursive: true });
  await writeFile(path.join(app, "package.json"), '{"scripts":{"build":"node build.mjs"}}');
  await writeFile(path.join(app, "public", "index.html"), "<h1>hi</h1>");
  await writeFile(path.join(app, "node_modules", "dep", "index.js"), "left out");
  await writeFile(path.join(app, ".git", "HEAD"), "left out");
  await writeFile(path.join(tmp, "not-a-dir"), "x");
});
afterAll(() => rm(tmp, { recursive: true, force: true }));

beforeEach(async () => {
  fake = new FakeConsole();
  await fake.start();
});
afterEach(() => new Promise<void>((resolve) => fake.server.close(() => resolve())));

const run = (argv: string[], env: Record<string, string> = { SLIPWAY_URL: fake.url, SLIPWAY_TOKEN: TOKEN }) => {
  const mem = memoryIo({ env: { HOME: path.join(tmp, "home"), ...env }, cwd: tmp });
  return { ...mem, code: main(argv, mem.io, { pollMs: 5 }) };
};

describe("slipway deploy", () => {
  it("uploads the directory as a gzip'd tar, follows the build and ends live", async () => {
    const r = run(["deploy", "app", "--project", "demo", "--env", "preview", "--branch", "cli-test", "--message", "from the CLI"]);
    expect(await r.code).toBe(0);

    expect(fake.uploads).toHaveLength(1);
    const upload = fake.uploads[0];
    expect(upload.headers["content-type"]).toBe("application/gzip");
    expect(upload.headers["content-length"]).toBe(String(upload.bytes));
    expect(Object.fromEntries(upload.url.searchParams)).toEqual({ environment: "preview", branch: "cli-test", message: "from the CLI" });
    expect(upload.files).toEqual(["package.json", "public/index.html"]);

    expect(r.stdout[0]).toMatch(new RegExp(`^Uploaded 2 files \\(\\d+ B\\), build SHA ${upload.sha256.slice(0, 12)}$`));
    expect(r.stdout[1]).toBe(`Deployment ${DEPLOYMENT_ID} queued (preview, branch cli-test) — ${fake.url}/projects/demo/deployments/${DEPLOYMENT_ID}`);
    expect(r.stdout.slice(2)).toEqual([
      "▸ source …",
      "✓ source   10 ms  upload",
      "✓ install  19 ms  restored from cache",
      "▸ build …",
      "  │ copied public/ to dist/",
      "✓ build    19 ms  npm run build",
      "– migrate  skipped",
      "✓ bundle   7 ms  2 files",
      "✓ upload   9 ms",
      "✓ publish  9 ms  live",
      "  │ Deployment is live.",
      `✓ Live: preview deployment of cli-test — ${fake.url}/projects/demo`,
    ]);
    expect(r.stderr).toEqual(["  │ some warning"]);
  });

  it("returns after queueing with --no-follow", async () => {
    const r = run(["deploy", "app", "-p", "demo", "--no-follow"]);
    expect(await r.code).toBe(0);
    expect(r.stdout).toHaveLength(2);
    expect(fake.polls).toBe(0);
  });

  it("exits 1 with the failure stage and reason", async () => {
    fake.snapshots = [
      {
        status: "failed",
        stages: [stage("source", "succeeded", 0, 10), stage("install", "succeeded", 11, 20), stage("build", "failed", 21, 30, "`npm run build`: exited with code 4")],
        lines: [line(1, 22, "── build", "system"), line(2, 25, "boom", "stderr")],
        failure: ["build", "`npm run build`: exited with code 4"],
      },
    ];
    const r = run(["deploy", "app", "-p", "demo"]);
    expect(await r.code).toBe(1);
    expect(r.stdout.at(-1)).toBe("✗ build    9 ms  `npm run build`: exited with code 4");
    expect(r.stderr).toEqual([
      "  │ boom",
      "✗ Failed at build: `npm run build`: exited with code 4",
      `  Full log: ${fake.url}/projects/demo/deployments/${DEPLOYMENT_ID}`,
    ]);
  });

  it("exits 1 when the deployment is canceled, with the reason", async () => {
    fake.snapshots = [{ status: "canceled", stages: [], lines: [] }];
    const r = run(["deploy", "app", "-p", "demo"]);
    expect(await r.code).toBe(1);
    expect(r.stderr).toEqual(["✗ Canceled: Superseded by deployment 123."]);
  });

  it("stops following on Ctrl-C with 130, saying the deployment goes on", async () => {
    fake.snapshots = [{ status: "building", stages: [stage("build", "running", 0, null)], lines: [] }];
    const r = run(["deploy", "app", "-p", "demo"]);
    while (fake.polls < 2) await new Promise((resolve) => setTimeout(resolve, 5));
    r.interrupt();
    expect(await r.code).toBe(130);
    expect(r.stderr).toEqual([`Stopped following. Deployment ${DEPLOYMENT_ID} keeps going; watch it at ${fake.url}/projects/demo/deployments/${DEPLOYMENT_ID}`]);
  });

  it("reports the API's error for a bad token, without printing the token, and uploads nothing", async () => {
    const bad = "slw_" + "x".repeat(43);
    const r = run(["deploy", "app", "-p", "demo", "--token", bad], { SLIPWAY_URL: fake.url });
    expect(await r.code).toBe(1);
    expect(r.stderr).toEqual(["Error: The API token is invalid, expired or revoked."]);
    expect([...r.stdout, ...r.stderr].join("\n")).not.toContain(bad);
    expect(fake.uploads).toHaveLength(0);
  });

  it("reports an unknown project before packing", async () => {
    const r = run(["deploy", "app", "-p", "nope"]);
    expect(await r.code).toBe(1);
    expect(r.stderr).toEqual(["Error: Project was not found."]);
  });

  it("checks the directory and the environment locally", async () => {
    let r = run(["deploy", "missing", "-p", "demo"]);
    expect(await r.code).toBe(1);
    expect(r.stderr).toEqual(['Error: Directory "missing" does not exist.']);
    r = run(["deploy", "not-a-dir", "-p", "demo"]);
    expect(await r.code).toBe(1);
    r = run(["deploy", "app", "-p", "demo", "--env", "staging"]);
    expect(await r.code).toBe(2);
    expect(r.stderr).toEqual(['Error: --env must be production or preview, not "staging".', "Run `slipway deploy --help` for usage."]);
    expect(fake.uploads).toHaveLength(0);
  });

  it("says when the console cannot be reached", async () => {
    await new Promise<void>((resolve) => fake.server.close(() => resolve()));
    const r = run(["deploy", "app", "-p", "demo"]);
    expect(await r.code).toBe(1);
    expect(r.stderr).toEqual([`Error: Could not reach ${fake.url}: connection refused (ECONNREFUSED)`]);
    fake.server = http.createServer().listen(0); // for afterEach
  });
});

describe("slipway login / whoami / logout", () => {
  it("checks the token, saves it, uses it, and forgets it", async () => {
    const env = { XDG_CONFIG_HOME: path.join(tmp, "xdg") };
    let r = run(["login", "--url", `${fake.url}/`, "--token", "slw_" + "x".repeat(43)], env);
    expect(await r.code).toBe(1);
    expect(r.stderr).toEqual(["Error: The API token is invalid, expired or revoked."]);

    r = run(["whoami"], env);
    expect(await r.code).toBe(1);
    expect(r.stderr[0]).toMatch(/^Error: Not logged in/);

    r = run(["login", "--url", `${fake.url}/`, "--token", TOKEN], env);
    expect(await r.code).toBe(0);
    expect(r.stdout).toEqual([`Logged in to ${fake.url} as Dev <dev@example.com>, team Default team (owner).`, `Saved to ${path.join(tmp, "xdg", "slipway", "config.json")}.`]);

    r = run(["whoami"], env);
    expect(await r.code).toBe(0);
    expect(r.stdout).toEqual(["Dev <dev@example.com>", "Team: Default team (default), role owner", `Console: ${fake.url}`]);

    r = run(["logout"], env);
    expect(await r.code).toBe(0);
    expect(r.stdout[0]).toMatch(/^Logged out: removed /);
    r = run(["logout"], env);
    expect(await r.code).toBe(0);
    expect(r.stdout[0]).toMatch(/^Not logged in/);
  });

  it("reads the token from stdin with --token -", async () => {
    const mem = memoryIo({ env: { XDG_CONFIG_HOME: path.join(tmp, "xdg-stdin") }, stdin: `${TOKEN}\n` });
    expect(await main(["login", "--url", fake.url, "--token", "-"], mem.io)).toBe(0);
    expect(mem.stdout.join("\n")).not.toContain(TOKEN);
  });
});

describe("slipway (no command, help, unknown)", () => {
  it("prints help and refuses unknown commands and flags with exit 2", async () => {
    let r = run(["--help"]);
    expect(await r.code).toBe(0);
    expect(r.stdout[0]).toMatch(/slipway deploy \[dir\] --project <slug>/);
    r = run(["deploy", "--help"]);
    expect(await r.code).toBe(0);
    expect(r.stdout[0]).toMatch(/^Usage: slipway deploy/);
    r = run([]);
    expect(await r.code).toBe(2);
    r = run(["deplyo"]);
    expect(await r.code).toBe(2);
    expect(r.stderr[0]).toBe('Error: Unknown command "deplyo". Commands: deploy, promote, logs, env, login, logout, whoami.');
    r = run(["whoami", "--verbose"]);
    expect(await r.code).toBe(2);
    expect(r.stderr).toEqual(["Error: Unknown option --verbose.", "Run `slipway whoami --help` for usage."]);
  });
});
