import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { EnvChangePreview, EnvSetChange, EnvVarView } from "@/lib/cli/api-client";
import { memoryIo } from "@/lib/cli/io";
import { main } from "@/lib/cli/main";
import { parseDotenv } from "@/lib/env-vars/parse-dotenv";

// `slipway env pull` / `env push` against a small fake console speaking the
// same REST API: variables kept in memory, a dry run that writes nothing.

const TOKEN = "slw_" + "e".repeat(43);
const SECRET = "s3cr3t-value-never-sent";

type Row = { key: string; value: string; sensitive: boolean; targets: EnvVarView["targets"]; branch: string | null };

class FakeConsole {
  server = http.createServer((req, res) => this.handle(req, res));
  rows: Row[] = [];
  requests: { method: string; url: string; body?: { changes: EnvSetChange[]; dryRun?: boolean } }[] = [];
  refuse: { message: string; changes: { index: number; field: string; message: string }[] } | null = null;
  url = "";

  async start() {
    await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  views(): EnvVarView[] {
    return this.rows.map((r, i) => ({
      id: `id-${i}`,
      key: r.key,
      value: r.sensitive ? null : r.value,
      sensitive: r.sensitive,
      mutable: false,
      public: r.key.startsWith("PUBLIC_"),
      targets: r.targets,
      branch: r.branch,
      updatedAt: "2026-01-01T00:00:00.000Z",
      updatedBy: null,
    }));
  }

  // What the real one does for "set", in short: same (key, branch, environment) → updated or unchanged.
  apply(changes: EnvSetChange[], write: boolean): EnvChangePreview[] {
    return changes.map((c) => {
      const old = this.rows.find((r) => r.key === c.key && r.branch === c.branch && r.targets.includes(c.targets[0]));
      const sensitive = c.sensitive ?? old?.sensitive ?? false;
      const action = !old ? "added" : old.value === c.value && old.sensitive === sensitive ? "unchanged" : "updated";
      if (write && action !== "unchanged") {
        this.rows = this.rows.filter((r) => r !== old);
        this.rows.push({ key: c.key, value: c.value, sensitive, targets: c.targets, branch: c.branch });
      }
      return { key: c.key, branch: c.branch, targets: c.targets, action, sensitive, mutable: c.mutable ?? false };
    });
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse) {
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(body));
    };
    let text = "";
    for await (const chunk of req) text += chunk;
    const body = text ? JSON.parse(text) : undefined;
    this.requests.push({ method: req.method!, url: req.url!, ...(body ? { body } : {}) });
    if (req.headers.authorization !== `Bearer ${TOKEN}`) return send(401, { error: { code: "unauthorized", message: "The API token is invalid, expired or revoked." } });
    if (req.url !== "/api/projects/demo/env") return send(404, { error: { code: "not_found", message: "Project was not found." } });
    if (req.method === "GET") return send(200, { variables: this.views() });
    if (req.headers["content-type"] !== "application/json") return send(400, { error: { code: "invalid", message: "Request body must be JSON." } });
    if (this.refuse) return send(400, { error: { code: "invalid", message: this.refuse.message, details: { changes: this.refuse.changes } } });
    const preview = this.apply(body.changes, !body.dryRun);
    send(200, { preview, variables: this.views() });
  }
}

let fake: FakeConsole;
let dir: string;
beforeEach(async () => {
  fake = new FakeConsole();
  await fake.start();
  dir = await mkdtemp(path.join(os.tmpdir(), "slipway-cli-env-"));
});
afterEach(async () => {
  await new Promise<void>((resolve) => fake.server.close(() => resolve()));
  await rm(dir, { recursive: true, force: true });
});

const run = (argv: string[], opts: { interactive?: boolean; answers?: string[] } = {}) => {
  const mem = memoryIo({ env: { HOME: dir, SLIPWAY_URL: fake.url, SLIPWAY_TOKEN: TOKEN }, cwd: dir, ...opts });
  return { ...mem, code: main(argv, mem.io) };
};

const seed = () => {
  fake.rows = [
    { key: "API_URL", value: "https://api.example.com", sensitive: false, targets: ["production", "preview"], branch: null },
    { key: "API_URL", value: "https://feature.example.com", sensitive: false, targets: ["preview"], branch: "feature" },
    { key: "API_SECRET", value: SECRET, sensitive: true, targets: ["production"], branch: null },
    { key: "GREETING", value: "hello world, it's me", sensitive: false, targets: ["production", "development"], branch: null },
    { key: "DEV_ONLY", value: "dev", sensitive: false, targets: ["development"], branch: null },
  ];
};

describe("slipway env pull", () => {
  it("writes the environment's values, quoted for dotenv, and names the sensitive ones without their values", async () => {
    seed();
    const r = run(["env", "pull", "--project", "demo", "--environment", "production"]);
    expect(await r.code).toBe(0);
    const text = await readFile(path.join(dir, ".env"), "utf8");
    expect(text).toBe(
      [
        "# Production variables of demo, written by `slipway env pull`.",
        "# API_SECRET is sensitive and was not pulled",
        "API_URL=https://api.example.com",
        `GREETING="hello world, it's me"`,
        "",
      ].join("\n"),
    );
    expect(parseDotenv(text).entries.map((e) => [e.key, e.value])).toEqual([
      ["API_URL", "https://api.example.com"],
      ["GREETING", "hello world, it's me"],
    ]);
    expect(text).not.toContain(SECRET);
    expect((await stat(path.join(dir, ".env"))).mode & 0o777).toBe(0o600);
    expect(r.stdout).toEqual(["✓ Wrote 2 variables (Production) to .env", "Not pulled (sensitive or unreadable; set them yourself): API_SECRET"]);
  });

  it("defaults to Development, and a branch's Preview overrides win over the environment's values", async () => {
    seed();
    expect(await run(["env", "pull", "-p", "demo"]).code).toBe(0);
    expect(parseDotenv(await readFile(path.join(dir, ".env"), "utf8")).entries.map((e) => e.key)).toEqual(["DEV_ONLY", "GREETING"]);
    expect(await run(["env", "pull", "-p", "demo", "-e", "preview", "-b", "feature", "-f", "preview.env"]).code).toBe(0);
    const text = await readFile(path.join(dir, "preview.env"), "utf8");
    expect(text.split("\n")[0]).toBe("# Preview (branch feature) variables of demo, written by `slipway env pull`.");
    expect(parseDotenv(text).entries).toMatchObject([{ key: "API_URL", value: "https://feature.example.com" }]);
  });

  it("refuses to overwrite a file unless --force", async () => {
    seed();
    await writeFile(path.join(dir, ".env"), "MINE=1\n");
    const r = run(["env", "pull", "-p", "demo", "-e", "production"]);
    expect(await r.code).toBe(1);
    expect(r.stderr).toEqual(["Error: .env already exists; pass --force to overwrite it."]);
    expect(await readFile(path.join(dir, ".env"), "utf8")).toBe("MINE=1\n");
    expect(await run(["env", "pull", "-p", "demo", "-e", "production", "--force"]).code).toBe(0);
    expect(await readFile(path.join(dir, ".env"), "utf8")).toContain("API_URL=");
  });

  it("checks its flags before calling the console, and reports the console's errors", async () => {
    for (const [argv, message] of [
      [["env", "pull"], "Error: Missing --project <slug>: whose variables."],
      [["env", "pull", "-p", "demo", "-e", "staging"], 'Error: --environment must be production, preview or development, not "staging".'],
      [["env", "pull", "-p", "demo", "-b", "feature"], "Error: --branch needs --environment preview: branch overrides are Preview values."],
      [["env", "pull", "-p", "demo", "extra"], 'Error: Unexpected argument: "extra".'],
      [["env", "pick"], 'Error: Unknown env command "pick": use `slipway env pull` or `slipway env push`.'],
    ] as const) {
      const r = run([...argv]);
      expect(await r.code).toBe(2);
      expect(r.stderr[0]).toBe(message);
    }
    expect(fake.requests).toEqual([]);
    const missing = run(["env", "pull", "-p", "nope"]);
    expect(await missing.code).toBe(1);
    expect(missing.stderr).toEqual(["Error: Project was not found."]);
  });
});

describe("slipway env push", () => {
  const file = async (text: string, name = ".env.production") => {
    await writeFile(path.join(dir, name), text);
    return name;
  };

  it("shows the console's dry run, then saves only what changes", async () => {
    seed();
    const name = await file("# from my machine\nAPI_URL=https://api.example.com\nGREETING=\"bonjour\"\nexport NEW_KEY='new value'\n");
    const r = run(["env", "push", name, "--project", "demo", "--environment", "production", "--yes"]);
    expect(await r.code).toBe(0);
    expect(r.stdout).toEqual([
      "Production variables of demo from .env.production:",
      "  = API_URL   unchanged",
      "  ~ GREETING  updated",
      "  + NEW_KEY   added",
      "1 added, 1 updated, 1 unchanged",
      "✓ Saved 2 changes to Production of demo.",
      "GREETING, NEW_KEY take effect with the next deployment. Redeploy to use them now.",
    ]);
    const posts = fake.requests.filter((q) => q.method === "POST");
    expect(posts.map((p) => p.body?.dryRun)).toEqual([true, undefined]);
    expect(posts[0].body?.changes).toEqual([
      { op: "set", key: "API_URL", value: "https://api.example.com", targets: ["production"], branch: null },
      { op: "set", key: "GREETING", value: "bonjour", targets: ["production"], branch: null },
      { op: "set", key: "NEW_KEY", value: "new value", targets: ["production"], branch: null },
    ]);
    expect(posts[1].body?.changes.map((c) => c.key)).toEqual(["GREETING", "NEW_KEY"]);
    expect(fake.rows.find((r) => r.key === "NEW_KEY")).toMatchObject({ value: "new value", targets: ["production"] });
  });

  it("with --dry-run saves nothing; --sensitive marks the keys that may be sensitive", async () => {
    const name = await file("TOKEN=abc\nPUBLIC_NAME=shop\n");
    const r = run(["env", "push", name, "-p", "demo", "-e", "preview", "-b", "feature", "--sensitive", "--dry-run"]);
    expect(await r.code).toBe(0);
    expect(r.stderr).toEqual(["Note: PUBLIC_NAME is public (sent to the browser), so not made sensitive."]);
    expect(r.stdout).toEqual([
      "Preview (branch feature) variables of demo from .env.production:",
      "  + TOKEN        added (sensitive)",
      "  + PUBLIC_NAME  added",
      "2 added, 0 updated, 0 unchanged",
      "Dry run: nothing was saved.",
    ]);
    const post = fake.requests.find((q) => q.method === "POST")!;
    expect(post.body).toEqual({
      dryRun: true,
      changes: [
        { op: "set", key: "TOKEN", value: "abc", targets: ["preview"], branch: "feature", sensitive: true },
        { op: "set", key: "PUBLIC_NAME", value: "shop", targets: ["preview"], branch: "feature" },
      ],
    });
    expect(fake.rows).toEqual([]);
  });

  it("asks in a terminal, refuses without --yes when there is none, and says when nothing changes", async () => {
    const name = await file("A=1\n");
    const noTty = run(["env", "push", name, "-p", "demo", "-e", "production"]);
    expect(await noTty.code).toBe(2);
    expect(noTty.stderr[0]).toBe("Error: Nothing was saved: not a terminal, so pass --yes to save (or --dry-run to only look).");
    expect(fake.rows).toEqual([]);

    const declined = run(["env", "push", name, "-p", "demo", "-e", "production"], { interactive: true, answers: ["n"] });
    expect(await declined.code).toBe(1);
    expect(declined.stderr).toEqual(["Save 1 change to Production? [y/N] ", "Nothing was saved."]);
    expect(fake.rows).toEqual([]);

    const accepted = run(["env", "push", name, "-p", "demo", "-e", "production"], { interactive: true, answers: ["yes"] });
    expect(await accepted.code).toBe(0);
    expect(fake.rows).toMatchObject([{ key: "A", value: "1" }]);

    const again = run(["env", "push", name, "-p", "demo", "-e", "production"]);
    expect(await again.code).toBe(0);
    expect(again.stdout.at(-1)).toBe("✓ Nothing to change.");
  });

  it("refuses a file with problems, naming each line, and sends nothing", async () => {
    const name = await file("A=1\nnot a line\nA=2\n1BAD=x\n");
    const r = run(["env", "push", name, "-p", "demo", "-e", "production", "--yes"]);
    expect(await r.code).toBe(1);
    const lines = r.stderr.join("\n").split("\n");
    expect(lines[0]).toBe("Error: .env.production has 3 problems; nothing was sent:");
    expect(lines.slice(1)).toEqual([
      "  .env.production line 2: expected KEY=value.",
      "  .env.production line 3: A is already set on line 1.",
      expect.stringMatching(/^ {2}\.env\.production line 4: 1BAD is not a valid key/),
    ]);
    expect(fake.requests).toEqual([]);
    const missing = run(["env", "push", "nope.env", "-p", "demo", "-e", "production"]);
    expect(await missing.code).toBe(1);
    expect(missing.stderr).toEqual(['Error: File "nope.env" does not exist.']);
    const empty = run(["env", "push", await file("# nothing\n", "empty.env"), "-p", "demo", "-e", "production"]);
    expect(await empty.code).toBe(1);
    expect(empty.stderr).toEqual(["Error: empty.env has no variables: expected KEY=value lines."]);
  });

  it("names the file's line for each change the console refuses", async () => {
    fake.refuse = { message: "2 changes have problems.", changes: [{ index: 1, field: "value", message: "The value of BIG is 40 KB; values are at most 32 KB." }] };
    const name = await file("OK=1\n\nBIG=xxx\n");
    const r = run(["env", "push", name, "-p", "demo", "-e", "production", "--yes"]);
    expect(await r.code).toBe(1);
    expect(r.stderr).toEqual([
      "Error: 2 changes have problems.\n  .env.production line 3 (BIG): The value of BIG is 40 KB; values are at most 32 KB.\nNothing was saved.",
    ]);
  });

  it("needs a file and an environment", async () => {
    let r = run(["env", "push", "-p", "demo", "-e", "production"]);
    expect(await r.code).toBe(2);
    expect(r.stderr[0]).toMatch(/^Error: Missing the file/);
    r = run(["env", "push", ".env", "-p", "demo"]);
    expect(await r.code).toBe(2);
    expect(r.stderr[0]).toBe("Error: Missing --environment <production|preview|development>: which environment's variables.");
    expect(r.stderr[1]).toBe("Run `slipway env push --help` for usage.");
  });

  it("has help, and is in the overview", async () => {
    let r = run(["env", "--help"]);
    expect(await r.code).toBe(0);
    expect(r.stdout[0]).toMatch(/^Usage: slipway env pull --project <slug>/);
    r = run(["env", "push", "-h"]);
    expect(await r.code).toBe(0);
    expect(r.stdout[0]).toMatch(/^Usage: slipway env pull/);
    r = run(["--help"]);
    await r.code;
    expect(r.stdout.join("\n")).toContain("slipway env push <file>");
  });
});
