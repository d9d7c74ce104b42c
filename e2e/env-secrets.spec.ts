import { createHash, randomBytes } from "node:crypto";
import type { APIResponse, Page } from "@playwright/test";
import { dumpDatabase, runningEmbeddedUrl } from "@/lib/testing/dump-database";
import { E2E_ADMIN, expect, routerGet, shot, signIn, test } from "./fixtures";

// Issue 6's acceptance: a public and a sensitive variable set for Production,
// the demo redeployed. The page shows the public one (Vite inlines PUBLIC_
// keys at build time); a function proves it has the sensitive one by its hash;
// and the sensitive value is in none of: the served files, the build log, the
// API's answers, a dump of the whole database.

const sha256 = (s: string) => createHash("sha256").update(s).digest("hex");
const HOST = "demo.localhost";

type Variable = { id: string; key: string; value: string | null; sensitive: boolean };

test("a redeploy uses the new variables, and the sensitive one appears in no file, log, answer or database row", async ({ page }) => {
  test.setTimeout(600_000);
  const router = process.env.E2E_ROUTER_URL!;
  const secret = `sk_${randomBytes(24).toString("hex")}`;
  const greeting = `Hello from the environment ${randomBytes(3).toString("hex")}`;
  // Searched for as is, and in the base64 form the log masker also hides.
  const needles = [secret, Buffer.from(secret).toString("base64")];

  // Every answer the console gave this test, the browser's included.
  const answers: { url: string; body: string }[] = [];
  page.on("response", async (r) => {
    if (!new URL(r.url()).pathname.startsWith("/api/")) return;
    answers.push({ url: r.url(), body: await r.text().catch(() => "") });
  });
  const kept = async (res: APIResponse) => {
    answers.push({ url: res.url(), body: await res.text() });
    return res;
  };
  const api = {
    get: async (url: string) => kept(await page.request.get(url)),
    post: async (url: string, data?: unknown) => kept(await page.request.post(url, data === undefined ? {} : { data })),
    patch: async (url: string, data: unknown) => kept(await page.request.patch(url, { data })),
  };

  await signIn(page, E2E_ADMIN.email, E2E_ADMIN.password);
  const { project } = await (await api.get("/api/projects/demo")).json();
  let created: Variable[] = [];
  try {
    // A redeploy of production replaces what is live at once: this is about variables, not canary rollouts.
    expect((await api.patch("/api/projects/demo", { rolloutSettings: "skip" })).status()).toBe(200);
    const base = await productionDeployment(page, api);

    await test.step("set PUBLIC_GREETING and a sensitive API_SECRET for Production", async () => {
      const res = await api.post("/api/projects/demo/env", {
        changes: [
          { op: "set", key: "PUBLIC_GREETING", value: greeting, targets: ["production"] },
          { op: "set", key: "API_SECRET", value: secret, targets: ["production"], sensitive: true },
        ],
      });
      expect(res.status(), await res.text()).toBe(200);
      const body = (await res.json()) as { variables: Variable[] };
      created = body.variables.filter((v) => v.key === "PUBLIC_GREETING" || v.key === "API_SECRET");
      expect(created.find((v) => v.key === "API_SECRET")).toMatchObject({ sensitive: true, value: null });
      expect(created.find((v) => v.key === "PUBLIC_GREETING")).toMatchObject({ sensitive: false, value: greeting });
    });

    const id = await test.step("redeploy the demo: same source, current variables", async () => {
      const res = await api.post(`/api/deployments/${base.id}/redeploy`);
      expect(res.status(), await res.text()).toBe(201);
      const { deployment } = await res.json();
      expect(deployment).toMatchObject({ commitSha: base.commitSha, environment: "production", branch: base.branch });
      await expect
        .poll(async () => (await (await api.get(`/api/deployments/${deployment.id}`)).json()).deployment.status, { timeout: 300_000, intervals: [2000] })
        .toBe("live");
      return deployment.id as string;
    });

    await test.step("the page shows the greeting; the function has API_SECRET", async () => {
      await expect.poll(async () => (await routerGet(router, HOST, "/")).headers["x-slipway-deployment"], { timeout: 5_000 }).toBe(id);
      const app = await page.goto(`${router.replace("127.0.0.1", HOST)}/`);
      expect(app?.headers()["x-slipway-deployment"]).toBe(id);
      await expect(page.locator("h1")).toHaveText(greeting);
      await shot(page, "env-secrets-app");
      const fn = await routerGet(router, HOST, "/api/secret-hash");
      expect(fn.status).toBe(200);
      expect(JSON.parse(fn.body.toString())).toEqual({ set: true, sha256: sha256(secret) });
    });

    await test.step("API_SECRET is in no served file", async () => {
      const manifest = await (await api.get(`/api/deployments/${id}/manifest`)).json();
      const paths = (manifest.files as { path: string }[]).map((f) => f.path);
      expect(paths).toContain("index.html");
      expect(paths).toContain("api/secret-hash.js");
      for (const p of paths) {
        const served = await routerGet(router, HOST, `/${p.split("/").map(encodeURIComponent).join("/")}`);
        expect(served.status, p).toBe(200);
        expect(served.headers["x-slipway-deployment"]).toBe(id);
        for (const needle of needles) expect(served.body.includes(needle), `${p} contains API_SECRET`).toBe(false);
      }
    });

    await test.step("API_SECRET is not in the build log", async () => {
      const lines: string[] = [];
      for (let after = 0; ; ) {
        const chunk = await (await api.get(`/api/deployments/${id}/logs?after=${after}&limit=5000`)).json();
        lines.push(...chunk.lines.map((l: { text: string }) => l.text));
        if (chunk.lines.length === 0) break;
        after = chunk.lines.at(-1).seq;
      }
      expect(lines.join("\n")).toContain("vite");
      for (const needle of needles) expect(lines.some((l) => l.includes(needle))).toBe(false);
    });

    await test.step("API_SECRET is in no answer of the API", async () => {
      expect(answers.length).toBeGreaterThan(10);
      for (const a of answers) for (const needle of needles) expect(a.body.includes(needle), `${a.url} answered with API_SECRET`).toBe(false);
    });

    await test.step("API_SECRET is in no row of the database", async () => {
      const dump = await dumpDatabase(runningEmbeddedUrl(process.env.E2E_DATA_DIR!));
      expect(dump).toContain("COPY public.env_vars FROM stdin;");
      // The variable is there, sealed: its key is in the dump, its value is not.
      expect(dump).toContain("\tAPI_SECRET\t");
      for (const needle of needles) expect(dump.includes(needle)).toBe(false);
    });
  } finally {
    // Later specs build the demo as it ships, with no variables.
    if (created.length > 0) {
      await page.request.post("/api/projects/demo/env", { data: { changes: created.map((v) => ({ op: "delete", id: v.id })) } });
    }
    await page.request.patch("/api/projects/demo", { data: { rolloutSettings: project.rolloutSettings ?? null } });
  }
});

type Api = { get: (url: string) => Promise<APIResponse>; post: (url: string, data?: unknown) => Promise<APIResponse> };

// The demo's newest production deployment that has been live, or a new one
// when the demo has none yet (this spec run alone).
async function productionDeployment(page: Page, api: Api): Promise<{ id: string; commitSha: string; branch: string }> {
  const { deployments } = await (await api.get("/api/projects/demo/deployments?limit=100")).json();
  const found = deployments.find((d: { environment: string; status: string }) => d.environment === "production" && ["live", "superseded"].includes(d.status));
  if (found) return found;
  const res = await api.post("/api/projects/demo/deployments", { environment: "production" });
  expect(res.status()).toBe(201);
  const { deployment } = await res.json();
  await expect
    .poll(async () => (await (await page.request.get(`/api/deployments/${deployment.id}`)).json()).deployment.status, { timeout: 300_000, intervals: [2000] })
    .toBe("live");
  return deployment;
}
