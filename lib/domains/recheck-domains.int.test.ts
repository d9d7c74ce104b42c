import { runOnce } from "graphile-worker";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { systemCtx } from "@/lib/auth/ctx";
import { createDb, type Db } from "@/lib/db/client";
import { applyMigrations } from "@/lib/db/migrate";
import { addDomain } from "@/lib/domains/add-domain";
import { recheckDomains } from "@/lib/domains/recheck-domains";
import { createTxtLookup } from "@/lib/domains/resolver";
import { enqueue } from "@/lib/jobs/enqueue";
import { installJobQueue } from "@/lib/jobs/install-queue";
import { crontab, taskList } from "@/lib/jobs/registry";
import { createTestDatabase } from "@/lib/testing/db";
import { seedArchiveProject, testDataDir } from "@/lib/testing/deploy";
import { startDnsServer, type TestDnsServer } from "@/lib/testing/dns-server";
import { unique } from "@/lib/testing/seed";

// The worker's re-check takes every due domain in the database, so this file
// has a database of its own; the job runs through graphile-worker with the
// registry's task list, resolving through DNS_SERVERS like a real worker.
testDataDir();
let databaseUrl: string;
let db: Db;
let dns: TestDnsServer;
beforeAll(async () => {
  databaseUrl = await createTestDatabase();
  await applyMigrations(databaseUrl);
  await installJobQueue(databaseUrl);
  db = createDb(databaseUrl);
  dns = await startDnsServer();
  process.env.DATABASE_URL = databaseUrl;
  process.env.DNS_SERVERS = dns.address;
});
afterAll(async () => {
  await db?.$disconnect();
  await dns?.close();
});

async function runRecheckJob() {
  await db.$transaction((tx) => enqueue(tx, "recheck-domains", {}));
  await runOnce({ connectionString: databaseUrl, taskList: taskList() });
}

const checksOf = (hostname: string) => dns.queries.filter((q) => q === `TXT _slipway.${hostname}`).length;
const ageCheck = (id: string, ms: number) => db.domain.update({ where: { id }, data: { lastCheckedAt: new Date(Date.now() - ms) } });

describe("the recheck-domains job", () => {
  it("runs every minute and verifies a pending domain once its record appears, notifying the routers", async () => {
    expect(crontab.split("\n")).toContain("* * * * * recheck-domains ?max=1");
    const { ctx, project } = await seedArchiveProject(db);
    const hostname = `${unique("shop")}.example.com`;
    const { domain } = await addDomain({ ctx, slug: project.slug, input: { hostname } });

    await runRecheckJob();
    const first = await db.domain.findUniqueOrThrow({ where: { id: domain.id } });
    expect(first).toMatchObject({ status: "pending", lastError: `No TXT record at _slipway.${hostname}` });
    expect(checksOf(hostname)).toBe(1);

    // Checked under a minute ago: the next run leaves it alone.
    dns.setRecords(`_slipway.${hostname}`, { TXT: [domain.txtRecord.value] });
    await runRecheckJob();
    expect(checksOf(hostname)).toBe(1);

    const listener = new pg.Client({ connectionString: databaseUrl });
    await listener.connect();
    const notified: string[] = [];
    listener.on("notification", (m) => notified.push(m.payload ?? ""));
    await listener.query("LISTEN slipway_routes");
    try {
      await ageCheck(domain.id, 61_000);
      await runRecheckJob();
      const verified = await db.domain.findUniqueOrThrow({ where: { id: domain.id } });
      expect(verified).toMatchObject({ status: "verified", lastError: null });
      expect(verified.verifiedAt).toBeInstanceOf(Date);
      await expect.poll(() => notified).toContain('{"domains":true}');
    } finally {
      await listener.end();
    }
    const audit = await db.auditEvent.findMany({ where: { targetId: domain.id, action: "domain.verify" } });
    expect(audit).toEqual([expect.objectContaining({ actorKind: "system", actorId: null, data: { hostname, status: "verified" } })]);
  });

  it("re-checks verified domains daily: a vanished record is reported, the domain stays verified", async () => {
    const { ctx, project } = await seedArchiveProject(db);
    const hostname = `${unique("shop")}.example.com`;
    const { domain } = await addDomain({ ctx, slug: project.slug, input: { hostname } });
    await db.domain.update({ where: { id: domain.id }, data: { status: "verified", verifiedAt: new Date(), lastCheckedAt: new Date() } });
    const lookup = createTxtLookup({ servers: [dns.address] });

    await ageCheck(domain.id, 2 * 3600_000);
    await recheckDomains({ ctx: systemCtx(db, "test"), lookup });
    expect(checksOf(hostname)).toBe(0);

    await ageCheck(domain.id, 25 * 3600_000);
    await recheckDomains({ ctx: systemCtx(db, "test"), lookup });
    expect(checksOf(hostname)).toBe(1);
    expect(await db.domain.findUniqueOrThrow({ where: { id: domain.id } })).toMatchObject({ status: "verified", lastError: `No TXT record at _slipway.${hostname}` });
    // The status did not change, so the worker wrote no audit row.
    expect(await db.auditEvent.count({ where: { targetId: domain.id, action: "domain.verify" } })).toBe(0);
  });

  it("gives up on a domain still pending after 7 days: it becomes failed and is no longer checked", async () => {
    const { ctx, project } = await seedArchiveProject(db);
    const hostname = `${unique("shop")}.example.com`;
    const { domain } = await addDomain({ ctx, slug: project.slug, input: { hostname } });
    await db.domain.update({ where: { id: domain.id }, data: { createdAt: new Date(Date.now() - 8 * 24 * 3600_000) } });
    const lookup = createTxtLookup({ servers: [dns.address] });
    await recheckDomains({ ctx: systemCtx(db, "test"), lookup });
    expect(await db.domain.findUniqueOrThrow({ where: { id: domain.id } })).toMatchObject({ status: "failed", lastError: `No TXT record at _slipway.${hostname}` });
    await ageCheck(domain.id, 3600_000);
    await recheckDomains({ ctx: systemCtx(db, "test"), lookup });
    expect(checksOf(hostname)).toBe(1);
  });

  it("checks each due domain exactly once when runs overlap, in SKIP LOCKED batches", async () => {
    const { ctx, project } = await seedArchiveProject(db);
    const names = Array.from({ length: 30 }, () => `${unique("bulk")}.example.com`);
    for (const hostname of names) await addDomain({ ctx, slug: project.slug, input: { hostname } });
    const lookup = createTxtLookup({ servers: [dns.address] });
    const runs = await Promise.all([1, 2, 3].map(() => recheckDomains({ ctx: systemCtx(db, "test"), lookup, batchSize: 4 })));
    expect(runs.reduce((n, r) => n + r.checked, 0)).toBeGreaterThanOrEqual(30);
    expect(names.map(checksOf)).toEqual(names.map(() => 1));
  });

  it("refuses to run for a person", async () => {
    const { ctx } = await seedArchiveProject(db);
    await expect(recheckDomains({ ctx })).rejects.toMatchObject({ code: "forbidden" });
  });
});
