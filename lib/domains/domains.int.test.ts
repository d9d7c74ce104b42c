import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { userCtx } from "@/lib/auth/ctx";
import { runBuild } from "@/lib/build/run-build";
import { addDomain } from "@/lib/domains/add-domain";
import { listDomains } from "@/lib/domains/list-domains";
import { removeDomain } from "@/lib/domains/remove-domain";
import { createTxtLookup } from "@/lib/domains/resolver";
import { verifyDomain } from "@/lib/domains/verify-domain";
import { request, startTestRouter, until } from "@/lib/router/testing";
import { testDb } from "@/lib/testing/db";
import { deployDir, makeApp, seedArchiveProject, testBuildDeps, testDataDir } from "@/lib/testing/deploy";
import { startDnsServer, type TestDnsServer } from "@/lib/testing/dns-server";
import { appError } from "@/lib/testing/expect-app-error";
import { seedMember, unique } from "@/lib/testing/seed";

const db = testDb();
const dataDir = testDataDir();
let dns: TestDnsServer;
beforeAll(async () => {
  dns = await startDnsServer();
});
afterAll(() => dns.close());
const lookup = () => createTxtLookup({ servers: [dns.address] });
const host = () => `${unique("shop")}.example.com`;

async function deployLive(ctx: Parameters<typeof deployDir>[0], slug: string, body: string, input: Record<string, unknown> = {}) {
  const app = await makeApp({ "slipway.json": JSON.stringify({ installCommand: "true", buildCommand: `mkdir -p dist && printf '${body}' > dist/index.html` }) });
  const d = await deployDir(ctx, slug, app, input);
  expect(await runBuild(d.id, testBuildDeps(db, inject("databaseUrl"), dataDir))).toBe("live");
  return d;
}

describe("adding a domain", () => {
  it("stores the normalised host name with a fresh token and shows the TXT record to create", async () => {
    const { ctx, project } = await seedArchiveProject(db);
    const name = host();
    const { domain } = await addDomain({ ctx, slug: project.slug, input: { hostname: ` ${name.toUpperCase()}. ` } });
    expect(domain).toMatchObject({ hostname: name, branch: null, status: "pending", verifiedAt: null, lastCheckedAt: null, lastError: null });
    const row = await db.domain.findUniqueOrThrow({ where: { id: domain.id } });
    expect(row.verificationToken).toMatch(/^[0-9a-f]{32}$/);
    expect(domain.txtRecord).toEqual({ type: "TXT", name: `_slipway.${name}`, value: `slipway-verify=${row.verificationToken}` });
    const other = await addDomain({ ctx, slug: project.slug, input: { hostname: host(), branch: "feat/login" } });
    expect(other.domain.branch).toBe("feat/login");
    expect((await db.domain.findUniqueOrThrow({ where: { id: other.domain.id } })).verificationToken).not.toBe(row.verificationToken);

    const idn = await addDomain({ ctx, slug: project.slug, input: { hostname: `bücher-${unique("x")}.example` } });
    expect(idn.domain.hostname).toMatch(/^xn--bcher-.*\.example$/);
    expect(idn.domain.displayHostname).toMatch(/^bücher-/);

    const audit = await db.auditEvent.findMany({ where: { action: "domain.add", targetId: domain.id } });
    expect(audit).toEqual([expect.objectContaining({ actorKind: "user", data: { hostname: name, branch: null, project: project.slug } })]);
    expect((await listDomains({ ctx, slug: project.slug })).domains.map((d) => d.id)).toEqual([domain.id, other.domain.id, idn.domain.id]);
  });

  it.each([
    ["", "Enter a host name, like shop.example.com."],
    ["10.0.0.1", "An IP address cannot be a custom domain; use a host name, like shop.example.com."],
    ["localhost", "Use a full host name with at least one dot, like shop.example.com."],
    ["demo.localhost", "Names under localhost only reach this machine; add a domain you own."],
    ["https://shop.example.com/", "Enter only the host name, like shop.example.com: no https://, path or port."],
    ["-bad.example.com", 'Each part between dots must be 1 to 63 letters, digits or hyphens, and cannot start or end with a hyphen ("-bad" is not).'],
    [`${"x".repeat(64)}.example.com`, `Each part between dots must be 1 to 63 letters, digits or hyphens, and cannot start or end with a hyphen ("${"x".repeat(64)}" is not).`],
    [`${"abcdefghi.".repeat(25)}com`.replace("com", "comx"), "A host name is at most 253 characters."],
  ])("refuses %j with the reason, storing nothing", async (hostname, message) => {
    const { ctx, project } = await seedArchiveProject(db);
    const e = await appError(addDomain({ ctx, slug: project.slug, input: { hostname } }));
    expect(e.code).toBe("invalid");
    expect(e.details).toEqual({ fields: { hostname: message } });
    expect(await db.domain.count({ where: { projectId: project.id } })).toBe(0);
  });

  it("refuses names under APPS_DOMAIN, the production branch as a branch, and bad branch names", async () => {
    const { ctx, project } = await seedArchiveProject(db);
    const own = await appError(addDomain({ ctx, slug: project.slug, input: { hostname: "other.apps.example.net" }, appsDomain: "apps.example.net" }));
    expect(own.details).toEqual({ fields: { hostname: "Names under apps.example.net are Slipway's own app URLs; add a domain you own." } });
    const prod = await appError(addDomain({ ctx, slug: project.slug, input: { hostname: host(), branch: "main" } }));
    expect(prod.details).toEqual({ fields: { branch: "main is the production branch; choose Production to serve it." } });
    const bad = await appError(addDomain({ ctx, slug: project.slug, input: { hostname: host(), branch: "a b" } }));
    expect(Object.keys(bad.details!.fields as object)).toEqual(["branch"]);
    expect(await db.domain.count({ where: { projectId: project.id } })).toBe(0);
  });

  it("gives one host name to one project, without naming the other project, even when two add it at once", async () => {
    const first = await seedArchiveProject(db);
    const second = await seedArchiveProject(db);
    const name = host();
    await addDomain({ ctx: first.ctx, slug: first.project.slug, input: { hostname: name } });
    const taken = await appError(addDomain({ ctx: second.ctx, slug: second.project.slug, input: { hostname: name.toUpperCase() } }));
    expect(taken.code).toBe("conflict");
    expect(taken.message).toBe(`${name} is already added to another project.`);
    expect(taken.message).not.toContain(first.project.slug);
    const again = await appError(addDomain({ ctx: first.ctx, slug: first.project.slug, input: { hostname: name } }));
    expect(again.message).toBe(`${name} is already added to this project.`);

    const raced = host();
    const outcomes = await Promise.allSettled([first, second].map((p) => addDomain({ ctx: p.ctx, slug: p.project.slug, input: { hostname: raced } })));
    expect(outcomes.filter((o) => o.status === "fulfilled")).toHaveLength(1);
    const [rejected] = outcomes.filter((o) => o.status === "rejected");
    expect((rejected as PromiseRejectedResult).reason).toMatchObject({ code: "conflict", message: `${raced} is already added to another project.` });
  });

  it("lets viewers read, only admins change, and hides the domain from other teams", async () => {
    const { ctx, team, project } = await seedArchiveProject(db);
    const { domain } = await addDomain({ ctx, slug: project.slug, input: { hostname: host() } });
    const viewer = userCtx(db, (await seedMember(db, team.id, "viewer")).id);
    const developer = userCtx(db, (await seedMember(db, team.id, "developer")).id);
    const admin = userCtx(db, (await seedMember(db, team.id, "admin")).id);
    expect((await listDomains({ ctx: viewer, slug: project.slug })).domains).toHaveLength(1);
    for (const who of [viewer, developer]) {
      expect((await appError(addDomain({ ctx: who, slug: project.slug, input: { hostname: host() } }))).code).toBe("forbidden");
      expect((await appError(verifyDomain({ ctx: who, id: domain.id, lookup: lookup() }))).code).toBe("forbidden");
      expect((await appError(removeDomain({ ctx: who, id: domain.id }))).code).toBe("forbidden");
    }
    const outsider = await seedArchiveProject(db);
    expect((await appError(listDomains({ ctx: outsider.ctx, slug: project.slug }))).code).toBe("not_found");
    expect((await appError(verifyDomain({ ctx: outsider.ctx, id: domain.id, lookup: lookup() }))).message).toBe("Domain was not found.");
    expect((await appError(removeDomain({ ctx: outsider.ctx, id: "not-a-uuid" }))).code).toBe("not_found");
    expect(await addDomain({ ctx: admin, slug: project.slug, input: { hostname: host() } })).toHaveProperty("domain.status", "pending");
  });
});

describe("verifying a domain", () => {
  it("records each check's outcome in words, against a real DNS server, until the token matches", async () => {
    const { ctx, project } = await seedArchiveProject(db);
    const name = host();
    const { domain } = await addDomain({ ctx, slug: project.slug, input: { hostname: name } });
    const verify = () => verifyDomain({ ctx, id: domain.id, lookup: lookup() });

    const none = await verify();
    expect(none).toMatchObject({ verified: false, error: `No TXT record at _slipway.${name}`, domain: { status: "pending", lastError: `No TXT record at _slipway.${name}`, verifiedAt: null } });
    const firstCheck = none.domain.lastCheckedAt!;
    expect(Date.now() - firstCheck.getTime()).toBeLessThan(5000);

    dns.setRecords(`_slipway.${name}`, { TXT: ["slipway-verify=not-the-token"] });
    expect(await verify()).toMatchObject({ verified: false, error: "TXT record found but the token does not match", domain: { status: "pending" } });

    dns.setRecords(`_slipway.${name}`, { TXT: [domain.txtRecord.value] });
    dns.mode = "servfail";
    try {
      expect(await verify()).toMatchObject({ verified: false, error: "DNS lookup failed: SERVFAIL", domain: { status: "pending", lastError: "DNS lookup failed: SERVFAIL" } });
    } finally {
      dns.mode = "answer";
    }

    const ok = await verify();
    expect(ok).toMatchObject({ verified: true, error: null, domain: { status: "verified", lastError: null } });
    expect(ok.domain.verifiedAt).toBeInstanceOf(Date);
    expect(ok.domain.lastCheckedAt!.getTime()).toBeGreaterThan(firstCheck.getTime());

    // The record removed later: still verified (and routed), with the problem on record.
    dns.removeRecords(`_slipway.${name}`);
    expect(await verify()).toMatchObject({ verified: false, domain: { status: "verified", verifiedAt: ok.domain.verifiedAt, lastError: `No TXT record at _slipway.${name}` } });

    const audit = await db.auditEvent.findMany({ where: { action: "domain.verify", targetId: domain.id }, orderBy: { id: "asc" } });
    expect(audit.map((a) => (a.data as { status: string }).status)).toEqual(["pending", "pending", "pending", "verified", "verified"]);
    expect(JSON.stringify(audit.map((a) => a.data))).not.toContain(domain.txtRecord.value.split("=")[1]);
  });
});

describe("routing a verified domain", () => {
  it("serves the live deployment on a production domain and the branch's on a branch domain, and stops when removed", async () => {
    const { ctx, project } = await seedArchiveProject(db);
    const prod = await deployLive(ctx, project.slug, "production v1");
    const preview = await deployLive(ctx, project.slug, "preview of feat/login", { environment: "preview", branch: "feat/login" });
    const router = await startTestRouter(inject("databaseUrl"), dataDir);
    const prodHost = host();
    const branchHost = host();
    const a = await addDomain({ ctx, slug: project.slug, input: { hostname: prodHost } });
    const b = await addDomain({ ctx, slug: project.slug, input: { hostname: branchHost, branch: "feat/login" } });

    // Pending domains are not served.
    expect((await request(router.port, prodHost)).status).toBe(404);

    dns.setRecords(`_slipway.${prodHost}`, { TXT: [a.domain.txtRecord.value] });
    dns.setRecords(`_slipway.${branchHost}`, { TXT: [b.domain.txtRecord.value] });
    expect((await verifyDomain({ ctx, id: a.domain.id, lookup: lookup() })).verified).toBe(true);
    const routedMs = await until(async () => (await request(router.port, prodHost)).status === 200, 2000);
    console.log(`custom domain served ${routedMs.toFixed(1)} ms after verify returned`);
    const served = await request(router.port, `${prodHost}:443`);
    expect(served.body.toString()).toBe("production v1");
    expect(served.headers["x-slipway-deployment"]).toBe(prod.id);

    expect((await verifyDomain({ ctx, id: b.domain.id, lookup: lookup() })).verified).toBe(true);
    await until(async () => (await request(router.port, branchHost)).status === 200, 2000);
    const branch = await request(router.port, branchHost);
    expect(branch.body.toString()).toBe("preview of feat/login");
    expect(branch.headers["x-slipway-deployment"]).toBe(preview.id);

    // A new production deploy reaches the domain too: it follows the route, not a deployment.
    const v2 = await deployLive(ctx, project.slug, "production v2");
    await until(async () => (await request(router.port, prodHost)).headers["x-slipway-deployment"] === v2.id, 2000);

    await removeDomain({ ctx, id: a.domain.id });
    await until(async () => (await request(router.port, prodHost)).status === 404, 2000);
    expect((await request(router.port, prodHost)).body.toString()).toContain("nothing deployed here");
    expect((await request(router.port, branchHost)).status).toBe(200);
    expect(await db.auditEvent.count({ where: { action: "domain.remove", targetId: a.domain.id } })).toBe(1);
    expect((await appError(removeDomain({ ctx, id: a.domain.id }))).code).toBe("not_found");
  });
});
