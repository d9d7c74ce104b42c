import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import os from "node:os";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { diffManifests } from "@/lib/bundles/diff-manifests";
import type { PromotePreview, PromoteSide } from "@/lib/cli/api-client";
import { formatPromotePreview } from "@/lib/cli/format";
import { memoryIo } from "@/lib/cli/io";
import { main } from "@/lib/cli/main";

// `slipway promote` against a small fake console speaking the same REST API.

const TOKEN = "slw_" + "p".repeat(43);
const OLD = "0b5ac3c1-7c5e-4d8e-9f0a-3a1f6c2d4e5f";
const LIVE = "9d2e4f60-1a2b-4c3d-8e9f-0a1b2c3d4e5f";

const side = (id: string, status: PromoteSide["status"], sha: string): PromoteSide => ({
  id,
  status,
  commitSha: sha.repeat(40).slice(0, 40),
  environment: "production",
  branch: "main",
  createdAt: "2026-01-01T00:00:00.000Z",
  bundle: { fileCount: 3, totalBytes: 38 },
});

const file = (p: string, size: number, sha: string) => ({ path: p, size, sha256: sha.repeat(64), contentType: "text/plain" });
const DIFF = diffManifests(
  [file("index.html", 20, "a"), file("keep.txt", 4, "b"), file("new/a.js", 14, "c")],
  [file("index.html", 12, "d"), file("keep.txt", 4, "b"), file("old.txt", 8, "e")],
);

const preview = (over: Partial<PromotePreview> = {}): PromotePreview => ({
  project: { slug: "demo", name: "Demo" },
  target: side(OLD, "superseded", "a"),
  live: side(LIVE, "live", "b"),
  route: { name: "demo" },
  allowed: true,
  reason: null,
  diff: DIFF,
  runtimeEnv: "Environment variables are fixed at build time.",
  ...over,
});

class FakeConsole {
  server = http.createServer((req, res) => this.handle(req, res));
  preview: PromotePreview = preview();
  requests: string[] = [];
  url = "";

  async start() {
    await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse) {
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(body));
    };
    this.requests.push(`${req.method} ${req.url}`);
    if (req.headers.authorization !== `Bearer ${TOKEN}`) return send(401, { error: { code: "unauthorized", message: "The API token is invalid, expired or revoked." } });
    if (req.url === `/api/deployments/${OLD}/promote` && req.method === "GET") return send(200, this.preview);
    if (req.url === `/api/deployments/${OLD}/promote` && req.method === "POST") return send(200, { deployment: { ...this.preview.target, status: "live" } });
    send(404, { error: { code: "not_found", message: "Deployment was not found." } });
  }
}

let fake: FakeConsole;
beforeEach(async () => {
  fake = new FakeConsole();
  await fake.start();
});
afterEach(() => new Promise<void>((resolve) => fake.server.close(() => resolve())));

const run = (argv: string[]) => {
  const mem = memoryIo({ env: { HOME: path.join(os.tmpdir(), "slipway-cli-promote-home"), SLIPWAY_URL: fake.url, SLIPWAY_TOKEN: TOKEN } });
  return { ...mem, code: main(argv, mem.io) };
};

describe("slipway promote", () => {
  it("prints what changes, promotes at once, and says what is live now", async () => {
    const r = run(["promote", OLD]);
    expect(await r.code).toBe(0);
    expect(fake.requests).toEqual([`GET /api/deployments/${OLD}/promote`, `POST /api/deployments/${OLD}/promote`]);
    expect(r.stdout).toEqual([
      "Promote   0b5ac3c1 (aaaaaaa, production, branch main) to live on demo",
      "Live now  9d2e4f60 (bbbbbbb, production, branch main)",
      "Files     1 added (+8 B), 1 changed (20 B → 12 B), 1 removed (−14 B), 1 unchanged",
      "Size      38 B → 24 B (−14 B)",
      "  ~ index.html  20 B → 12 B",
      "  − new/a.js  14 B",
      "  + old.txt  8 B",
      "Environment variables are fixed at build time.",
      `✓ Live: 0b5ac3c1 now serves demo; 9d2e4f60 is superseded — ${fake.url}/projects/demo/deployments/${OLD}`,
    ]);
    expect(r.stderr).toEqual([]);
  });

  it("refuses with the console's reason, and promotes nothing", async () => {
    fake.preview = preview({ target: side(OLD, "failed", "a"), allowed: false, reason: "Only a deployment that has been live can be promoted; this one is failed.", diff: null });
    const r = run(["promote", OLD]);
    expect(await r.code).toBe(1);
    expect(r.stderr).toEqual(["Error: Only a deployment that has been live can be promoted; this one is failed."]);
    expect(fake.requests).toEqual([`GET /api/deployments/${OLD}/promote`]);
  });

  it("succeeds without a write when the deployment is already live", async () => {
    const live = side(OLD, "live", "a");
    fake.preview = preview({ target: live, live, allowed: false, reason: "It is already live on demo." });
    const r = run(["promote", OLD]);
    expect(await r.code).toBe(0);
    expect(r.stdout.at(-1)).toBe(`✓ Already live on demo; nothing changed — ${fake.url}/projects/demo/deployments/${OLD}`);
    expect(fake.requests).toHaveLength(1);
  });

  it("checks the id before calling the console", async () => {
    for (const argv of [["promote"], ["promote", "0b5ac3c1"], ["promote", `${OLD}x`], ["promote", OLD, "extra"]]) {
      const r = run(argv);
      expect(await r.code).toBe(2);
      expect(r.stderr.at(-1)).toBe("Run `slipway promote --help` for usage.");
    }
    const short = run(["promote", "0b5ac3c1"]);
    await short.code;
    expect(short.stderr[0]).toMatch(/^Error: "0b5ac3c1" is not a deployment id\. Give the full id, a UUID/);
    expect(fake.requests).toEqual([]);
  });

  it("reports an unknown deployment and a bad token as the console words them", async () => {
    let r = run(["promote", "11111111-2222-4333-8444-555555555555"]);
    expect(await r.code).toBe(1);
    expect(r.stderr).toEqual(["Error: Deployment was not found."]);
    r = run(["promote", OLD, "--token", "slw_" + "x".repeat(43)]);
    expect(await r.code).toBe(1);
    expect(r.stderr).toEqual(["Error: The API token is invalid, expired or revoked."]);
  });

  it("has its own help and is in the overview", async () => {
    let r = run(["promote", "--help"]);
    expect(await r.code).toBe(0);
    expect(r.stdout[0]).toMatch(/^Usage: slipway promote <deploymentId>/);
    r = run(["--help"]);
    await r.code;
    expect(r.stdout.join("\n")).toContain("slipway promote <deploymentId>");
  });
});

describe("formatPromotePreview", () => {
  it("says when nothing is live and nothing changes, and caps the path list", () => {
    expect(formatPromotePreview(preview({ live: null, diff: diffManifests([file("a", 1, "a")], [file("a", 1, "a")]) }))).toEqual([
      "Promote   0b5ac3c1 (aaaaaaa, production, branch main) to live on demo",
      "Live now  nothing",
      "Files     0 added, 0 changed, 0 removed, 1 unchanged",
      "Size      1 B → 1 B (no change)",
      "Environment variables are fixed at build time.",
    ]);
    const many = diffManifests([], Array.from({ length: 25 }, (_, i) => file(`f${String(i).padStart(2, "0")}`, 1, "a")), { maxPaths: 22 });
    const lines = formatPromotePreview(preview({ diff: many }), undefined, 20);
    expect(lines.filter((l) => l.startsWith("  + "))).toHaveLength(20);
    expect(lines).toContain("  … and 5 more");
  });

  it("names the variables that changed since the build, by key, and says nothing when none did", () => {
    const lines = formatPromotePreview(preview({ variables: { added: ["NEW_KEY"], removed: ["OLD_A", "OLD_B"], changed: ["API_URL"] } }));
    expect(lines.at(-1)).toBe(
      "Variables since it was built: changed API_URL; added NEW_KEY; removed OLD_A, OLD_B. A redeploy (in the console) builds it with the current values.",
    );
    expect(formatPromotePreview(preview({ variables: { added: [], removed: [], changed: [] } })).at(-1)).toBe("Environment variables are fixed at build time.");
  });
});
