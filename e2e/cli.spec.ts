import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { APIRequestContext } from "@playwright/test";
import { E2E_ADMIN, expect, routerGet, test } from "./fixtures";

// The slipway CLI against the real platform: an API token made by the signed-in
// owner, then `slipway deploy` (and promote, env push / pull) run as a child
// process, as a developer would.

const ROOT = path.resolve(import.meta.dirname, "..");
const STAGES = ["source", "install", "build", "migrate", "bundle", "upload", "publish"];

type Run = { code: number | null; stdout: string; stderr: string };

function slipway(args: string[], env: Record<string, string>, timeoutMs = 180_000): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(ROOT, "bin/slipway.mjs"), ...args], {
      cwd: ROOT,
      // A throwaway config home, so a developer's own `slipway login` never leaks in.
      env: { ...process.env, NO_COLOR: "1", XDG_CONFIG_HOME: configHome, SLIPWAY_URL: "", SLIPWAY_TOKEN: "", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (b: Buffer) => (stdout += b.toString()));
    child.stderr.on("data", (b: Buffer) => (stderr += b.toString()));
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`slipway ${args.join(" ")} did not finish in ${timeoutMs} ms\nstdout:\n${stdout}\nstderr:\n${stderr}`));
    }, timeoutMs);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

// Signs in through next-auth's credentials endpoint, as the sign-in form does;
// the session cookie stays in this request context.
async function signInApi(request: APIRequestContext) {
  const { csrfToken } = await (await request.get("/api/auth/csrf")).json();
  const res = await request.post("/api/auth/callback/credentials", {
    form: { csrfToken, email: E2E_ADMIN.email, password: E2E_ADMIN.password, json: "true" },
  });
  expect(res.ok()).toBe(true);
  const me = await request.get("/api/me");
  expect(me.status()).toBe(200);
  return (await me.json()) as { teams: { id: string; name: string }[] };
}

let configHome: string;
let work: string;

test.beforeAll(() => {
  configHome = mkdtempSync(path.join(os.tmpdir(), "slipway-cli-config-"));
  work = mkdtempSync(path.join(os.tmpdir(), "slipway-cli-e2e-"));
});

test.afterAll(() => {
  rmSync(configHome, { recursive: true, force: true });
  rmSync(work, { recursive: true, force: true });
});

test("slipway deploy uploads a directory, follows the build to live, and reports failures", async ({ request }) => {
  test.setTimeout(420_000);
  const baseUrl = process.env.E2E_BASE_URL!;
  const me = await signInApi(request);
  const created = await request.post(`/api/teams/${me.teams[0].id}/tokens`, {
    data: { name: "e2e cli", role: "developer", expiresInDays: 30 },
  });
  expect(created.status()).toBe(201);
  const { token } = (await created.json()) as { token: string };
  expect(token).toMatch(/^slw_/);
  const auth = { SLIPWAY_URL: baseUrl, SLIPWAY_TOKEN: token };

  await test.step("whoami names the token's person", async () => {
    const who = await slipway(["whoami"], auth);
    expect(who.code, who.stderr).toBe(0);
    expect(who.stdout).toContain(E2E_ADMIN.email);
  });

  await test.step("a deploy that goes live", async () => {
    const run = await slipway(["deploy", "examples/static-site", "--project", "demo", "--env", "preview", "--branch", "cli-test"], auth);
    const all = `${run.stdout}\n${run.stderr}`;
    expect(run.code, all).toBe(0);
    expect(run.stdout).toMatch(/^Uploaded \d+ files \([\d.]+ k?B\), build SHA [0-9a-f]{12}$/m);
    expect(run.stdout).toMatch(new RegExp(`^Deployment [0-9a-f-]{36} queued \\(preview, branch cli-test\\) — ${escape(baseUrl)}/projects/demo/deployments/[0-9a-f-]{36}$`, "m"));
    // One line as each stage ends (a ▸ line too when it was seen running).
    for (const stage of STAGES) expect(run.stdout, all).toMatch(new RegExp(`^[✓–] ${stage}\\b`, "m"));
    expect(run.stdout).toMatch(/^– migrate +skipped/m);
    // The build's own output, from the log.
    expect(run.stdout).toMatch(/^ {2}│ copied public\/ to dist\/$/m);
    const lines = run.stdout.trimEnd().split("\n");
    // Ends with the URL people open: the branch's route on the router.
    const router = new URL(process.env.E2E_ROUTER_URL!);
    expect(lines.at(-1)).toBe(`✓ Live: preview deployment of cli-test — http://demo-git-cli-test.localhost:${router.port}`);
    expect(all).not.toContain(token);
  });

  await test.step("the branch URL serves the latest deploy, and slipway promote brings back the earlier one", async () => {
    const router = process.env.E2E_ROUTER_URL!;
    const branchHost = "demo-git-cli-test.localhost";
    const deployed = async () => {
      const run = await slipway(["deploy", "examples/static-site", "--project", "demo", "--env", "preview", "--branch", "cli-test"], auth);
      expect(run.code, run.stderr).toBe(0);
      return /^Deployment ([0-9a-f-]{36}) queued/m.exec(run.stdout)![1];
    };
    const first = (await routerGet(router, branchHost, "/")).headers["x-slipway-deployment"] as string;
    const second = await deployed();
    expect((await routerGet(router, branchHost, "/")).headers["x-slipway-deployment"]).toBe(second);

    const run = await slipway(["promote", first], auth);
    expect(run.code, `${run.stdout}\n${run.stderr}`).toBe(0);
    // The example stamps build.json with the build time: that one file differs.
    expect(run.stdout).toMatch(/^Files +0 added, 1 changed \(.*\), 0 removed, 1 unchanged$/m);
    expect(run.stdout).toMatch(/^ +~ build\.json /m);
    expect(run.stdout).toContain(`✓ Live: ${first.slice(0, 8)} now serves demo-git-cli-test; ${second.slice(0, 8)} is superseded`);
    await expect.poll(async () => (await routerGet(router, branchHost, "/")).headers["x-slipway-deployment"], { timeout: 1_000 }).toBe(first);
    const refused = await slipway(["promote", "not-a-uuid"], auth);
    expect(refused.code).toBe(2);
  });

  await test.step("env push sets variables from a .env file, env pull writes them back without the sensitive one", async () => {
    // Development: a developer's token may change it, and no deployment gets it.
    const plain = path.join(work, "plain.env");
    const secret = path.join(work, "secret.env");
    writeFileSync(plain, "# from the CLI\nCLI_GREETING=\"hello from the CLI\"\nexport CLI_URL=https://api.example.test/#top\n");
    writeFileSync(secret, `CLI_TOKEN=cli-secret-${Date.now()}\n`);
    const flags = ["--project", "demo", "--environment", "development"];

    const refused = await slipway(["env", "push", plain, ...flags], auth);
    expect(refused.code, refused.stderr).toBe(2);
    expect(refused.stderr).toContain("pass --yes to save");
    const dry = await slipway(["env", "push", plain, ...flags, "--dry-run"], auth);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toContain("2 added, 0 updated, 0 unchanged");
    expect(dry.stdout).toContain("Dry run: nothing was saved.");

    for (const [file, extra] of [[plain, []], [secret, ["--sensitive"]]] as const) {
      const pushed = await slipway(["env", "push", file, ...flags, ...extra, "--yes"], auth);
      expect(pushed.code, `${pushed.stdout}\n${pushed.stderr}`).toBe(0);
      expect(pushed.stdout).toMatch(/^✓ Saved \d changes? to Development of demo\.$/m);
    }
    const again = await slipway(["env", "push", plain, ...flags, "--yes"], auth);
    expect(again.stdout).toContain("0 added, 0 updated, 2 unchanged");

    const out = path.join(work, "pulled.env");
    const pulled = await slipway(["env", "pull", "--project", "demo", "--file", out], auth);
    expect(pulled.code, pulled.stderr).toBe(0);
    const text = readFileSync(out, "utf8");
    expect(text).toContain("CLI_GREETING='hello from the CLI'\n");
    expect(text).toContain("CLI_URL='https://api.example.test/#top'\n");
    expect(text).toContain("# CLI_TOKEN is sensitive and was not pulled\n");
    expect(text).not.toContain("cli-secret-");
    const overwrite = await slipway(["env", "pull", "--project", "demo", "--file", out], auth);
    expect(overwrite.code).toBe(1);
    expect(overwrite.stderr).toContain("already exists; pass --force");
    expect(`${pulled.stdout}${pulled.stderr}`).not.toContain(token);
  });

  await test.step("a bad token is refused with the API's message, and not echoed", async () => {
    const bad = "slw_" + "B".repeat(43);
    const run = await slipway(["deploy", "examples/static-site", "--project", "demo", "--env", "preview"], { SLIPWAY_URL: baseUrl, SLIPWAY_TOKEN: bad });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("Error: The API token is invalid, expired or revoked.");
    expect(`${run.stdout}${run.stderr}`).not.toContain(bad);
  });

  await test.step("a build that fails exits 1 with the reason", async () => {
    const app = path.join(work, "failing-app");
    mkdirSync(app);
    writeFileSync(path.join(app, "package.json"), JSON.stringify({ name: "failing-app", private: true, scripts: { build: "echo boom >&2; exit 4" } }));
    writeFileSync(path.join(app, "slipway.json"), JSON.stringify({ installCommand: "true" }));
    const run = await slipway(["deploy", app, "--project", "demo", "--env", "preview", "--branch", "cli-fail", "--message", "should fail"], auth);
    const all = `${run.stdout}\n${run.stderr}`;
    expect(run.code, all).toBe(1);
    expect(run.stdout).toMatch(/^✗ build\b.*exited with code 4/m);
    expect(run.stderr).toMatch(/^ {2}│ boom$/m);
    expect(run.stderr).toMatch(/^✗ Failed at build: `npm run build`: .*exited with code 4/m);
    expect(all).not.toContain(token);
  });
});

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
