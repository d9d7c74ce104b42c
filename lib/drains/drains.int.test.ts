import { createHmac, timingSafeEqual } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, inject, it, vi } from "vitest";
import { userCtx } from "@/lib/auth/ctx";
import { runBuild } from "@/lib/build/run-build";
import { createDrain } from "@/lib/drains/create-drain";
import { deliverDueDrains } from "@/lib/drains/deliver-drains";
import { checkDrainUrl, isPublicAddress } from "@/lib/drains/drain-address";
import { listDrains } from "@/lib/drains/list-drains";
import { removeDrain } from "@/lib/drains/remove-drain";
import { request, startTestRouter, until } from "@/lib/router/testing";
import { testDb } from "@/lib/testing/db";
import { deployDir, makeApp, seedArchiveProject, testBuildDeps, testDataDir, testSecretKey } from "@/lib/testing/deploy";
import { appError } from "@/lib/testing/expect-app-error";
import { seedMember } from "@/lib/testing/seed";
import { seal } from "@/lib/secrets/seal";

const db = testDb();
const dataDir = testDataDir();
afterEach(() => {
  vi.unstubAllEnvs();
});

// A drain endpoint: keeps what it is sent; `failNext` requests are answered 503 (an outage).
async function receiver() {
  const got: { headers: http.IncomingHttpHeaders; body: string }[] = [];
  let failNext = 0;
  let refused = 0;
  const server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      if (failNext > 0) {
        failNext--;
        refused++;
        res.writeHead(503).end("down for maintenance");
        return;
      }
      got.push({ headers: req.headers, body });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/ingest`,
    got,
    refused: () => refused,
    outage: (n: number) => (failNext = n),
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

const verify = (secret: string, headers: http.IncomingHttpHeaders, body: string) => {
  const expected = Buffer.from(`sha256=${createHmac("sha256", secret).update(`${headers["x-slipway-timestamp"]}.${body}`).digest("hex")}`);
  const given = Buffer.from(String(headers["x-slipway-signature"]));
  return expected.length === given.length && timingSafeEqual(expected, given);
};

describe("log drains", () => {
  it("get every line of a deploy, in order, signed, after an outage of the endpoint; failures show and back off", async () => {
    vi.stubEnv("DRAIN_ALLOW_PRIVATE", "true");
    const { ctx, project, team } = await seedArchiveProject(db);
    const sink = await receiver();
    const { drain, secret } = await createDrain({ ctx, slug: project.slug, input: { url: sink.url } });
    expect(secret).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(await listDrains({ ctx, slug: project.slug }))).not.toContain(secret);
    expect((await db.logDrain.findUniqueOrThrow({ where: { id: drain.id } })).secretEnc).not.toContain(secret);

    const app = await makeApp({ "slipway.json": JSON.stringify({ installCommand: "true", buildCommand: "mkdir -p dist && echo hello > dist/index.html" }) });
    const d = await deployDir(ctx, project.slug, app);
    expect(await runBuild(d.id, testBuildDeps(db, inject("databaseUrl"), dataDir))).toBe("live");
    const router = await startTestRouter(inject("databaseUrl"), dataDir);
    const host = `${project.slug}.localhost`;
    const opts = { db, secretKey: testSecretKey(), allowPrivate: true };

    // The endpoint is down for the first deliveries: nothing is lost, the failure is shown, and it backs off.
    sink.outage(2);
    for (let i = 0; i < 30; i++) expect((await request(router.port, host, `/?n=${i}`)).status).toBe(200);
    await until(async () => (await db.logLine.count({ where: { projectId: project.id } })) === 30, 3000, 50);
    await deliverDueDrains(opts);
    const failing = (await listDrains({ ctx, slug: project.slug })).drains[0];
    expect(failing).toMatchObject({ failures: 1, lastError: "The endpoint answered 503: down for maintenance.", delivered: 0 });
    expect(new Date(failing.nextAttemptAt!).getTime()).toBeGreaterThan(Date.now());
    // Not due yet: a pass now sends nothing.
    await deliverDueDrains(opts);
    expect(sink.refused()).toBe(1);
    for (let i = 30; i < 40; i++) await request(router.port, host, `/?n=${i}`);
    await until(async () => {
      await deliverDueDrains(opts);
      return sink.got.reduce((n, g) => n + g.body.trim().split("\n").length, 0) >= 40;
    }, 15_000, 200);
    expect(sink.refused()).toBe(2);

    const lines = sink.got.flatMap((g) => g.body.trim().split("\n").map((l) => JSON.parse(l)));
    expect(lines.map((l) => l.path)).toEqual(Array.from({ length: 40 }, () => "/"));
    const ids = lines.map((l) => BigInt(l.id));
    expect(ids).toEqual([...ids].sort((a, b) => (a < b ? -1 : 1)));
    expect(new Set(ids.map(String)).size).toBe(40);
    for (const l of lines) expect(l).toMatchObject({ deploymentId: d.id, sha: d.commitSha, source: "request", status: 200 });
    for (const g of sink.got) {
      expect(g.headers["content-type"]).toBe("application/x-ndjson");
      expect(g.headers["x-slipway-drain"]).toBe(drain.id);
      expect(verify(secret, g.headers, g.body)).toBe(true);
      expect(verify("another secret", g.headers, g.body)).toBe(false);
    }
    const healthy = (await listDrains({ ctx, slug: project.slug })).drains[0];
    expect(healthy).toMatchObject({ failures: 0, lastError: null, delivered: 40, nextAttemptAt: null });

    // Admins manage drains; a developer may not see them (a URL may carry a token).
    const developer = await seedMember(db, team.id, "developer");
    expect(await appError(listDrains({ ctx: userCtx(db, developer.id), slug: project.slug }))).toMatchObject({ code: "forbidden" });
    expect(await appError(removeDrain({ ctx: userCtx(db, developer.id), id: drain.id }))).toMatchObject({ code: "forbidden" });
    await removeDrain({ ctx, id: drain.id });
    expect((await listDrains({ ctx, slug: project.slug })).drains).toEqual([]);
    expect(await db.auditEvent.count({ where: { targetId: drain.id, action: { in: ["drain.create", "drain.remove"] } } })).toBe(2);
    await router.close();
    await sink.close();
  });

  it("send only to public https:// addresses unless the operator allows private ones", async () => {
    const { ctx, project } = await seedArchiveProject(db);
    for (const [url, message] of [
      ["http://logs.example.com/in", /https:\/\/ only/],
      ["https://user:pw@logs.example.com/in", /no user or password/],
      ["https://127.0.0.1/in", /private network/],
      ["https://[::1]/in", /private network/],
      ["https://169.254.169.254/latest", /private network/],
      ["not a url", /absolute URL/],
    ] as const) {
      expect(await appError(createDrain({ ctx, slug: project.slug, input: { url } }))).toMatchObject({ code: "invalid", message: expect.stringMatching(message) });
    }
    expect(checkDrainUrl("https://logs.example.com/in", false).ok).toBe(true);
    expect(["10.1.2.3", "192.168.0.9", "172.20.1.1", "100.64.0.1", "::ffff:127.0.0.1", "fd00::1", "fe80::1"].filter(isPublicAddress)).toEqual([]);
    expect(["93.184.216.34", "2606:4700::1111"].every(isPublicAddress)).toBe(true);

    // A name that resolves to this machine is refused when the delivery resolves it, too.
    const sink = await receiver();
    const drain = await db.logDrain.create({ data: { projectId: project.id, url: sink.url.replace("127.0.0.1", "localhost"), secretEnc: "unused", cursor: 0n } });
    await db.logLine.create({ data: { projectId: project.id, deploymentId: project.id, sha: "x", at: new Date(), source: "stdout", text: "secret stuff" } });
    await db.logDrain.update({ where: { id: drain.id }, data: { secretEnc: seal(testSecretKey(), "s") } });
    await deliverDueDrains({ db, secretKey: testSecretKey(), allowPrivate: false });
    expect(sink.got).toEqual([]);
    expect((await db.logDrain.findUniqueOrThrow({ where: { id: drain.id } })).lastError).toMatch(/resolves only to addresses on this machine or a private network/);
    await sink.close();
  });
});
