import { createHmac } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { request, type APIRequestContext } from "@playwright/test";
import { type Access, type HttpMethod, ROUTE_POLICY } from "@/lib/auth/route-policy";
import { can } from "@/lib/auth/roles";
import { createDb } from "@/lib/db/client";
import type { Role } from "@/lib/generated/prisma/enums";
import { runningEmbeddedUrl } from "@/lib/testing/dump-database";
import { seedTeam, TEST_PASSWORD } from "@/lib/testing/seed";
import { E2E_ADMIN, expect, staticAppArchive, test } from "./fixtures";

// Every API route × method (lib/auth/route-policy.ts) called by every kind of actor
// against the real console: the expected answer is derived from the table and
// POLICY, never written per cell. Then every state-changing route is sent from
// another origin with a session cookie. Destructive cells act on this spec's own
// project and on targets made fresh for the cell; the demo project is not touched.

type Actor = { name: string; api: APIRequestContext; role?: Role; token?: true; otherTeam?: true; signedOut?: true };
type Expected = "allowed" | "forbidden" | "not found" | "unauthorized";
type Call = { path: string; data?: unknown; form?: Record<string, string>; headers?: Record<string, string> };
type Cell = (allowed: boolean) => Promise<Call>;

const EVIL_ORIGIN = "http://evil.example";
const run = Date.now().toString(36);
let seq = 0;
const fresh = (prefix: string) => `${prefix}-${run}-${++seq}`;

function expectedFor(access: Access, actor: Actor): { outcome: Expected; message?: RegExp } {
  if (access.kind === "public") return { outcome: "allowed" };
  if (actor.signedOut) return { outcome: "unauthorized" };
  if (access.kind === "signedIn") return { outcome: "allowed" };
  // Outsiders learn nothing: the team, project or deployment is "not found" to them.
  if (actor.otherTeam) return { outcome: "not found" };
  if (access.sessionOnly && actor.token) return { outcome: "forbidden", message: /signed-in person/ };
  return can(actor.role!, access.action) ? { outcome: "allowed" } : { outcome: "forbidden", message: new RegExp(`\\(${actor.role}\\)`) };
}

// Allowed: the policy let the request through (it may still be refused for its
// state, e.g. a rollout already promoted: 409), and nothing broke.
function outcomeOf(status: number): Expected | `status ${number}` {
  if (status === 401) return "unauthorized";
  if (status === 403) return "forbidden";
  if (status === 404) return "not found";
  return status < 500 ? "allowed" : `status ${status}`;
}


async function signedIn(baseURL: string, email: string, password: string): Promise<APIRequestContext> {
  const api = await request.newContext({ baseURL });
  const { csrfToken } = await (await api.get("/api/auth/csrf")).json();
  const res = await api.post("/api/auth/callback/credentials", { form: { csrfToken, email, password, json: "true" } });
  expect(res.ok()).toBe(true);
  // The session cookie as the console sets it: out of scripts' reach, not sent on cross-site
  // subrequests or POSTs, and (this console is served over http) not Secure.
  const cookie = (await res.headersArray()).find((h) => h.name.toLowerCase() === "set-cookie" && h.value.startsWith("next-auth.session-token="));
  expect(cookie?.value.split(";").slice(1).map((a) => a.trim().toLowerCase())).toEqual(expect.arrayContaining(["httponly", "samesite=lax", "path=/"]));
  expect(cookie!.value.toLowerCase()).not.toMatch(/;\s*secure/);
  expect((await api.get("/api/me")).status(), `${email} is signed in`).toBe(200);
  return api;
}

async function json<T = Record<string, unknown>>(res: Promise<import("@playwright/test").APIResponse>, status: number): Promise<T> {
  const answer = await res;
  expect(answer.status(), `${answer.url()}: ${await answer.text()}`).toBe(status);
  return (await answer.json()) as T;
}

test("every API route × method × actor answers as the route policy table says; cross-origin writes are refused", async () => {
  test.setTimeout(300_000);
  const baseURL = process.env.E2E_BASE_URL!;
  const started = Date.now();
  const contexts: APIRequestContext[] = [];
  const keep = (api: APIRequestContext) => (contexts.push(api), api);
  const dir = mkdtempSync(path.join(os.tmpdir(), "e2e-access-"));
  const owner = keep(await signedIn(baseURL, E2E_ADMIN.email, E2E_ADMIN.password));
  const me = await json<{ teams: { id: string; role: Role }[] }>(owner.get("/api/me"), 200);
  const teamId = me.teams.find((t) => t.role === "owner")!.id;
  const slug = `access-${run}`;

  try {
    // Members of each role, invited and joined as a person would, each signed in with a session cookie.
    const member = async (role: Role) => {
      const email = `${fresh(role)}@access.e2e.test`;
      const { invitation } = await json<{ invitation: { token: string } }>(owner.post(`/api/teams/${teamId}/invitations`, { data: { email, role } }), 201);
      const { accepted } = await json<{ accepted: { userId: string } }>(
        owner.post("/api/invitations/accept", { data: { token: invitation.token, name: `Access ${role}`, password: "access-password-123" } }),
        200,
      );
      return { userId: accepted.userId, api: keep(await signedIn(baseURL, email, "access-password-123")) };
    };
    const token = async (role: Role) => {
      const { token } = await json<{ token: string }>(owner.post(`/api/teams/${teamId}/tokens`, { data: { name: fresh(`access ${role}`), role, expiresInDays: 7 } }), 201);
      return token;
    };
    const tokenApi = async (role: Role) => keep(await request.newContext({ baseURL, extraHTTPHeaders: { authorization: `Bearer ${await token(role)}` } }));
    // The owner of another team: seeded, then signed in through the same form endpoint.
    const db = createDb(runningEmbeddedUrl(process.env.E2E_DATA_DIR!));
    const outsider = await seedTeam(db, "owner").finally(() => db.$disconnect());

    const actors: Actor[] = [
      { name: "owner", api: owner, role: "owner" },
      { name: "admin", api: (await member("admin")).api, role: "admin" },
      { name: "developer", api: (await member("developer")).api, role: "developer" },
      { name: "viewer", api: (await member("viewer")).api, role: "viewer" },
      { name: "token:admin", api: await tokenApi("admin"), role: "admin", token: true },
      { name: "token:developer", api: await tokenApi("developer"), role: "developer", token: true },
      { name: "token:viewer", api: await tokenApi("viewer"), role: "viewer", token: true },
      { name: "signed-out", api: keep(await request.newContext({ baseURL })), signedOut: true },
      { name: "other-team", api: keep(await signedIn(baseURL, outsider.user.email, TEST_PASSWORD)), otherTeam: true },
    ];
    const target = await member("viewer");

    // This spec's project: v1 live in production, v2 its canary (a long first stage,
    // so the rollout stays in progress), and a preview deployment live on its branch.
    await json(owner.post("/api/projects", { data: { teamId, name: "Access matrix", slug, sourceKind: "archive" } }), 201);
    const upload = async (version: string, query = "") => {
      const res = owner.post(`/api/projects/${slug}/deployments${query}`, { headers: { "content-type": "application/gzip" }, data: staticAppArchive(dir, version) });
      return (await json<{ deployment: { id: string } }>(res, 201)).deployment.id;
    };
    const statusOf = async (id: string) => (await json<{ deployment: { status: string } }>(owner.get(`/api/deployments/${id}`), 200)).deployment.status;
    const until = (id: string, status: string) => expect.poll(() => statusOf(id), { timeout: 180_000, intervals: [500] }).toBe(status);
    const [v1, preview] = await Promise.all([upload("v1"), upload("preview", "?environment=preview&branch=access-preview")]);
    await Promise.all([until(v1, "live"), until(preview, "live")]);
    const v2 = await upload("v2");
    await until(v2, "canary");
    const { rollout } = await json<{ rollout: { id: string } }>(owner.get(`/api/deployments/${v2}/rollout`), 200);
    const domain = async () => (await json<{ domain: { id: string } }>(owner.post(`/api/projects/${slug}/domains`, { data: { hostname: `${fresh("d")}.access.example.test` } }), 200)).domain.id;
    const sharedDomain = await domain();
    const drain = async () => (await json<{ drain: { id: string } }>(owner.post(`/api/projects/${slug}/drains`, { data: { url: `https://logs.access.example.test/${fresh("drain")}` } }), 201)).drain.id;
    const sharedDrain = await drain();
    const queued = () => upload(fresh("churn"), "?environment=preview&branch=access-churn");
    const sharedQueued = await queued();
    let targetRole: Role = "viewer";
    const webhookSecret = async () => (await json<{ secret: string }>(owner.post(`/api/projects/${slug}/webhook`), 201)).secret;

    // How to call each route and method; `allowed` cells that change or destroy something get a fresh target.
    const CALLS: Record<string, Cell> = {
      "GET /api/auth/[...nextauth]": async () => ({ path: "/api/auth/session" }),
      // Without next-auth's CSRF token a sign-out only redirects: nobody is signed out.
      "POST /api/auth/[...nextauth]": async () => ({ path: "/api/auth/signout", form: {} }),
      "GET /api/healthz": async () => ({ path: "/api/healthz" }),
      "POST /api/hooks/git/[project]": async () => {
        const body = JSON.stringify({ zen: "access" });
        const signature = "sha256=" + createHmac("sha256", await webhookSecret()).update(body).digest("hex");
        return { path: `/api/hooks/git/${slug}`, data: body, headers: { "content-type": "application/json", "x-github-event": "ping", "x-hub-signature-256": signature, "x-github-delivery": fresh("delivery") } };
      },
      "POST /api/invitations/accept": async () => {
        const { invitation } = await json<{ invitation: { token: string } }>(owner.post(`/api/teams/${teamId}/invitations`, { data: { email: `${fresh("join")}@access.e2e.test`, role: "viewer" } }), 201);
        return { path: "/api/invitations/accept", data: { token: invitation.token, name: "Joiner", password: "access-password-123" } };
      },
      "GET /api/me": async () => ({ path: "/api/me" }),
      "GET /api/projects": async () => ({ path: "/api/projects" }),
      "POST /api/projects": async () => ({ path: "/api/projects", data: { teamId, name: "Access cell", slug: fresh("access-cell"), sourceKind: "archive" } }),
      "GET /api/projects/[slug]": async () => ({ path: `/api/projects/${slug}` }),
      "PATCH /api/projects/[slug]": async () => ({ path: `/api/projects/${slug}`, data: { outputDirectory: "dist" } }),
      "GET /api/projects/[slug]/branches": async () => ({ path: `/api/projects/${slug}/branches` }),
      "GET /api/projects/[slug]/deployments": async () => ({ path: `/api/projects/${slug}/deployments` }),
      "POST /api/projects/[slug]/deployments": async () => ({
        path: `/api/projects/${slug}/deployments?environment=preview&branch=access-churn`,
        data: staticAppArchive(dir, fresh("cell")),
        headers: { "content-type": "application/gzip" },
      }),
      "GET /api/projects/[slug]/domains": async () => ({ path: `/api/projects/${slug}/domains` }),
      "POST /api/projects/[slug]/domains": async () => ({ path: `/api/projects/${slug}/domains`, data: { hostname: `${fresh("d")}.access.example.test` } }),
      "GET /api/projects/[slug]/drains": async () => ({ path: `/api/projects/${slug}/drains` }),
      "POST /api/projects/[slug]/drains": async () => ({ path: `/api/projects/${slug}/drains`, data: { url: `https://logs.access.example.test/${fresh("drain")}` } }),
      "GET /api/projects/[slug]/env": async () => ({ path: `/api/projects/${slug}/env` }),
      "GET /api/projects/[slug]/logs": async () => ({ path: `/api/projects/${slug}/logs?status=5xx` }),
      // Allowed callers get the verb's own refusal of a malformed id (400); the role is checked before it.
      "GET /api/projects/[slug]/traces/[traceId]": async () => ({ path: `/api/projects/${slug}/traces/not-a-trace-id` }),
      "POST /api/projects/[slug]/env": async () => ({ path: `/api/projects/${slug}/env`, data: { changes: [{ op: "set", key: "ACCESS_CELL", value: fresh("v"), targets: ["preview"] }] } }),
      "GET /api/projects/[slug]/webhook": async () => ({ path: `/api/projects/${slug}/webhook` }),
      "POST /api/projects/[slug]/webhook": async () => ({ path: `/api/projects/${slug}/webhook` }),
      "GET /api/deployments/[id]": async () => ({ path: `/api/deployments/${v1}` }),
      "POST /api/deployments/[id]/cancel": async (allowed) => ({ path: `/api/deployments/${allowed ? await queued() : sharedQueued}/cancel` }),
      "GET /api/deployments/[id]/errors": async () => ({ path: `/api/deployments/${v1}/errors` }),
      "GET /api/deployments/[id]/logs": async () => ({ path: `/api/deployments/${v1}/logs` }),
      "GET /api/deployments/[id]/manifest": async () => ({ path: `/api/deployments/${v1}/manifest` }),
      "GET /api/deployments/[id]/promote": async () => ({ path: `/api/deployments/${preview}/promote` }),
      "POST /api/deployments/[id]/promote": async () => ({ path: `/api/deployments/${preview}/promote` }),
      "POST /api/deployments/[id]/redeploy": async () => ({ path: `/api/deployments/${preview}/redeploy` }),
      "GET /api/deployments/[id]/rollout": async () => ({ path: `/api/deployments/${v2}/rollout` }),
      "GET /api/deployments/[id]/runtime": async () => ({ path: `/api/deployments/${v2}/runtime` }),
      "GET /api/deployments/[id]/runtime-logs": async () => ({ path: `/api/deployments/${v2}/runtime-logs?source=app` }),
      // Pause and resume each start from the state they change (the owner sets it up first).
      "POST /api/rollouts/[id]/pause": async () => {
        await owner.post(`/api/rollouts/${rollout.id}/resume`);
        return { path: `/api/rollouts/${rollout.id}/pause` };
      },
      "POST /api/rollouts/[id]/resume": async () => {
        await owner.post(`/api/rollouts/${rollout.id}/pause`);
        return { path: `/api/rollouts/${rollout.id}/resume` };
      },
      // These end the rollout: the cells after the first allowed one meet a finished rollout (409).
      "POST /api/rollouts/[id]/promote": async () => ({ path: `/api/rollouts/${rollout.id}/promote` }),
      "POST /api/rollouts/[id]/abort": async () => ({ path: `/api/rollouts/${rollout.id}/abort` }),
      "DELETE /api/domains/[id]": async (allowed) => ({ path: `/api/domains/${allowed ? await domain() : sharedDomain}` }),
      "POST /api/domains/[id]/verify": async () => ({ path: `/api/domains/${sharedDomain}/verify` }),
      // Allowed callers remove a drain of their own making; the others meet one the owner made.
      "DELETE /api/drains/[id]": async (allowed) => ({ path: `/api/drains/${allowed ? await drain() : sharedDrain}` }),
      // Allowed callers get the verb's own refusal (the shared domain is not verified): 400, not 403/404.
      "PUT /api/domains/[id]/certificate": async () => ({ path: `/api/domains/${sharedDomain}/certificate`, data: { certificate: "x", privateKey: "y" } }),
      "DELETE /api/domains/[id]/certificate": async () => ({ path: `/api/domains/${sharedDomain}/certificate` }),
      "GET /api/teams/[teamId]/audit": async () => ({ path: `/api/teams/${teamId}/audit` }),
      "POST /api/teams/[teamId]/invitations": async () => ({ path: `/api/teams/${teamId}/invitations`, data: { email: `${fresh("invite")}@access.e2e.test`, role: "viewer" } }),
      "GET /api/teams/[teamId]/members": async () => ({ path: `/api/teams/${teamId}/members` }),
      "PATCH /api/teams/[teamId]/members/[userId]": async (allowed) => {
        if (allowed) targetRole = targetRole === "viewer" ? "developer" : "viewer";
        return { path: `/api/teams/${teamId}/members/${target.userId}`, data: { role: targetRole } };
      },
      "GET /api/teams/[teamId]/tokens": async () => ({ path: `/api/teams/${teamId}/tokens` }),
      "POST /api/teams/[teamId]/tokens": async () => ({ path: `/api/teams/${teamId}/tokens`, data: { name: fresh("cell"), role: "viewer", expiresInDays: 7 } }),
      "DELETE /api/teams/[teamId]/tokens/[tokenId]": async () => {
        const { apiToken } = await json<{ apiToken: { id: string } }>(owner.post(`/api/teams/${teamId}/tokens`, { data: { name: fresh("revoke"), role: "viewer", expiresInDays: 7 } }), 201);
        return { path: `/api/teams/${teamId}/tokens/${apiToken.id}` };
      },
    };
    // The rollout-ending cells run last, so every other cell sees the rollout in progress.
    const ENDS_ROLLOUT = ["POST /api/rollouts/[id]/promote", "POST /api/rollouts/[id]/abort"];
    const keys = Object.entries(ROUTE_POLICY)
      .flatMap(([route, methods]) => (Object.entries(methods) as [HttpMethod, Access][]).map(([method, access]) => ({ key: `${method} ${route}`, method, access })))
      .sort((a, b) => Number(ENDS_ROLLOUT.includes(a.key)) - Number(ENDS_ROLLOUT.includes(b.key)));
    expect(keys.map((k) => k.key).filter((k) => !CALLS[k]), "routes in the table this spec does not know how to call").toEqual([]);

    // An actor idle for a while may reuse a keep-alive socket the server is closing at that
    // moment (ECONNRESET before any answer, so nothing was done): that one send is retried.
    const send = async (api: APIRequestContext, method: HttpMethod, call: Call, extra: Record<string, string> = {}) => {
      const once = () => api.fetch(call.path, { method, data: call.data, form: call.form, headers: { ...call.headers, ...extra }, maxRedirects: 0 });
      return once().catch((e: Error) => (/ECONNRESET|socket hang up/.test(e.message) ? once() : Promise.reject(e)));
    };
    const messageOf = async (res: import("@playwright/test").APIResponse) => {
      try {
        return String(((await res.json()) as { error?: { message?: string } }).error?.message ?? "");
      } catch {
        return "";
      }
    };

    const mismatches: string[] = [];
    let cells = 0;
    let allowedCells = 0;
    let succeeded = 0;
    for (const { key, method, access } of keys) {
      for (const actor of actors) {
        const want = expectedFor(access, actor);
        const call = await CALLS[key](want.outcome === "allowed");
        const res = await send(actor.api, method, call);
        const message = await messageOf(res);
        const got = outcomeOf(res.status());
        cells++;
        if (want.outcome === "allowed") allowedCells++;
        if (got === "allowed" && res.status() < 300) succeeded++;
        const messageOk = !want.message || want.message.test(message);
        if (got !== want.outcome || !messageOk) {
          mismatches.push(`${key} as ${actor.name}: expected ${want.outcome}${want.message ? ` ${want.message}` : ""}, got ${res.status()} ${message}`);
        }
      }
    }

    // Cross-site writes with the owner's session cookie. next-auth's POST carries its own
    // CSRF token instead of checking Origin: the owner must still be signed in after it.
    let csrfCells = 0;
    for (const { key, method } of keys.filter((k) => k.method !== "GET")) {
      const res = await send(owner, method, await CALLS[key](false), { origin: EVIL_ORIGIN });
      const message = await messageOf(res);
      csrfCells++;
      if (key === "POST /api/auth/[...nextauth]") {
        const still = (await owner.get("/api/me")).status();
        if (still !== 200 || res.headers()["set-cookie"]?.includes("session-token=;")) mismatches.push(`${key} from ${EVIL_ORIGIN}: signed the owner out (${res.status()})`);
      } else if (res.status() !== 403 || !/Cross-site/.test(message)) {
        mismatches.push(`${key} from ${EVIL_ORIGIN}: expected 403 Cross-site, got ${res.status()} ${message}`);
      }
    }

    const routes = Object.keys(ROUTE_POLICY).length;
    console.log(
      `access matrix: ${cells} cells (${routes} routes, ${keys.length} route × method, × ${actors.length} actors), ${cells - mismatches.filter((m) => !m.includes(EVIL_ORIGIN)).length} match, ` +
        `${mismatches.filter((m) => !m.includes(EVIL_ORIGIN)).length} mismatches; ${allowedCells} cells allowed by policy, ${succeeded} of them answered 2xx (the rest: 3xx next-auth redirects, 409 for a finished rollout); ` +
        `CSRF: ${csrfCells} state-changing route × method from another origin, ${csrfCells - mismatches.filter((m) => m.includes(EVIL_ORIGIN)).length} refused; ${((Date.now() - started) / 1000).toFixed(1)} s`,
    );
    expect(mismatches, `access matrix mismatches:\n${mismatches.join("\n")}`).toEqual([]);
  } finally {
    // Nothing of this spec keeps the worker busy for the specs after it.
    const list = await owner.get(`/api/projects/${slug}/deployments`);
    if (list.ok()) {
      const { deployments } = (await list.json()) as { deployments: { id: string; status: string }[] };
      for (const d of deployments.filter((d) => ["queued", "building", "built", "uploading"].includes(d.status))) await owner.post(`/api/deployments/${d.id}/cancel`);
    }
    await Promise.all(contexts.map((c) => c.dispose()));
    rmSync(dir, { recursive: true, force: true });
  }
});
