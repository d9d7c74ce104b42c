import path from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { runBuild } from "@/lib/build/run-build";
import { createBlobSource } from "@/lib/router/static/blob-source";
import { createLocalStore } from "@/lib/bundles/store/local-store";
import { loadConfig } from "@/lib/config/env";
import { promoteDeployment } from "@/lib/routes/promote-deployment";
import { branchRouteName } from "@/lib/routes/route-names";
import { request, startTestRouter, type TestRouter, until } from "@/lib/router/testing";
import { RuntimeSupervisor } from "@/lib/runtime/runtime-supervisor";
import { serverAppFiles, type ServerAppOptions } from "@/lib/runtime/testing/server-app";
import { openWebSocket } from "@/lib/runtime/testing/websocket-client";
import { sandboxMode } from "@/lib/sandbox/sandbox-mode";
import { testDb } from "@/lib/testing/db";
import { deployDir, makeApp, seedArchiveProject, seedEnvVar, testBuildDeps, testDataDir, testSecretKey } from "@/lib/testing/deploy";
import { getRuntime } from "@/lib/runtime/get-runtime";
import { changeEnvVars } from "@/lib/env-vars/change-env-vars";

const db = testDb();
const dataDir = testDataDir();
const deps = () => testBuildDeps(db, inject("databaseUrl"), dataDir, { runtimeStartTimeoutMs: 30_000 });
const config = loadConfig();

let runtime: RuntimeSupervisor;
let router: TestRouter;

beforeAll(async () => {
  const mode = await sandboxMode(config.SLIPWAY_SANDBOX);
  runtime = new RuntimeSupervisor({
    db,
    node: config.runtimeNode,
    workDir: path.join(dataDir, "runtime"),
    source: createBlobSource(createLocalStore(path.join(dataDir, "store")), { maxCachedBytes: 1 << 20, maxFileBytes: 1 << 20 }),
    secretKey: testSecretKey(),
    sandbox: mode.state === "on" ? { uidBase: config.SANDBOX_UID_BASE, pids: 256, diskMb: 256 } : null,
    tickMs: 200,
    healthTimeoutMs: 4000,
    idleMs: 1000,
    drainMs: 300,
    stopGraceMs: 1000,
    maxRestarts: 2,
    restartWindowMs: 60_000,
  });
  runtime.start();
  router = await startTestRouter(inject("databaseUrl"), dataDir);
});
afterAll(async () => {
  await runtime?.close();
});

async function deployServer(ctx: Parameters<typeof deployDir>[0], slug: string, opts: ServerAppOptions = {}, input: Record<string, unknown> = {}) {
  const d = await deployDir(ctx, slug, await makeApp(serverAppFiles(opts)), input);
  const outcome = await runBuild(d.id, deps());
  return { outcome, deployment: await db.deployment.findUniqueOrThrow({ where: { id: d.id } }) };
}

const json = async (slug: string, urlPath = "/") => {
  const r = await request(router.port, `${slug}.localhost`, urlPath);
  return { ...r, json: r.status === 200 ? JSON.parse(r.body.toString()) : null };
};

describe("server apps", () => {
  it("goes live only once healthy, runs sandboxed, and is proxied: headers, bodies, SSE and WebSockets", async () => {
    const { ctx, project } = await seedArchiveProject(db);
    const { outcome, deployment } = await deployServer(ctx, project.slug);
    expect(outcome).toBe("live");
    const rt = await db.deploymentRuntime.findUniqueOrThrow({ where: { deploymentId: deployment.id } });
    expect(rt.state).toBe("running");
    // Ready before the route moved: the publish stage waited for it.
    const instance = await db.runtimeInstance.findFirstOrThrow({ where: { deploymentId: deployment.id } });
    expect(instance.state).toBe("ready");
    expect(instance.readyAt!.getTime()).toBeLessThanOrEqual(deployment.finishedAt!.getTime());

    await until(async () => (await request(router.port, `${project.slug}.localhost`, "/")).status === 200, 3000);
    const first = await json(project.slug, "/hello?x=1");
    // ready: its health check had passed before this request reached it.
    expect(first.json).toMatchObject({ version: "v1", url: "/hello?x=1", forwardedFor: "127.0.0.1", forwardedHost: `${project.slug}.localhost`, ready: true });
    expect(first.json.address).toEqual({ address: "0.0.0.0", family: "IPv4", port: 3000 });
    expect(first.headers["x-slipway-deployment"]).toBe(deployment.id);
    expect(first.headers["set-cookie"]).toEqual(["a=1; Path=/", "b=2; Path=/"]);
    if (config.SLIPWAY_SANDBOX === "on") {
      expect(first.json.uid).toBe(config.SANDBOX_UID_BASE + project.sandboxId);
    }

    // A request body of 1 MB streams through.
    const post = await request(router.port, `${project.slug}.localhost`, "/upload", { method: "POST", body: "x".repeat(1 << 20) });
    expect(post.body.toString()).toBe(`got ${1 << 20}`);

    // Server-Sent Events arrive as they are written, not at the end.
    const sse = await request(router.port, `${project.slug}.localhost`, "/sse");
    expect(sse.headers["content-type"]).toBe("text/event-stream");
    expect(sse.body.toString()).toBe("data: 0\n\ndata: 1\n\ndata: 2\n\n");

    const ws = await openWebSocket(router.port, `${project.slug}.localhost`, "/chat");
    expect(ws.status).toBe(101);
    ws.send("hello");
    expect(await ws.next()).toBe("v1 echo: hello");
    ws.send("again");
    expect(await ws.next()).toBe("v1 echo: again");
    ws.close();
    expect(await ws.closed).toBe(1000);
  });

  it("a new version takes over with no failed request, the old one is drained and stopped; Promote starts it again first", async () => {
    const { ctx, project } = await seedArchiveProject(db);
    const v1 = (await deployServer(ctx, project.slug, { version: "v1" })).deployment;
    await until(async () => (await json(project.slug)).json?.version === "v1", 3000);

    // Requests without pause while v2 is deployed and v1 goes away.
    let stop = false;
    const answers: { status: number; version: string | null }[] = [];
    const traffic = (async () => {
      while (!stop) {
        const r = await json(project.slug);
        answers.push({ status: r.status, version: r.json?.version ?? null });
      }
    })();
    const v2 = await deployServer(ctx, project.slug, { version: "v2" });
    expect(v2.outcome).toBe("live");
    await until(async () => (await json(project.slug)).json?.version === "v2", 3000);
    // v1 is in no route: drained, stopped, its instances gone.
    await until(async () => (await db.deploymentRuntime.findUnique({ where: { deploymentId: v1.id } }))?.state === "stopped", 10_000, 100);
    expect(await db.runtimeInstance.count({ where: { deploymentId: v1.id } })).toBe(0);
    stop = true;
    await traffic;
    expect(answers.length).toBeGreaterThan(20);
    expect(answers.filter((a) => a.status !== 200)).toEqual([]);
    // Each version answered whole, and v1 never again after v2's first answer.
    const firstV2 = answers.findIndex((a) => a.version === "v2");
    expect(firstV2).toBeGreaterThan(-1);
    expect(answers.slice(firstV2).every((a) => a.version === "v2")).toBe(true);

    // Promote v1: its runtime starts and passes its health check before the route moves.
    await promoteDeployment({ ctx, id: v1.id });
    expect((await db.deploymentRuntime.findUniqueOrThrow({ where: { deploymentId: v1.id } })).state).toBe("running");
    await until(async () => (await json(project.slug)).json?.version === "v1", 3000);
  });

  it("a mutable variable reaches the running instances one at a time, with no rebuild and no failed request; a fixed one waits for a new deployment", async () => {
    const { ctx, project } = await seedArchiveProject(db);
    const greeting = await seedEnvVar(db, project.id, { key: "APP_GREETING", value: "hello", mutable: true });
    const fixed = await seedEnvVar(db, project.id, { key: "APP_FIXED", value: "one" });
    const { deployment } = await deployServer(ctx, project.slug, { config: { instances: 2 } });
    expect(deployment.mutableKeys).toEqual(["APP_GREETING"]);
    await until(async () => (await json(project.slug)).json?.vars.APP_GREETING === "hello", 3000);
    const before = await db.runtimeInstance.findMany({ where: { deploymentId: deployment.id }, orderBy: { slot: "asc" } });
    expect(before.map((i) => [i.slot, i.state, i.envRevision])).toEqual([
      [0, "ready", 0],
      [1, "ready", 0],
    ]);

    let stop = false;
    const answers: { status: number; vars: Record<string, string> | null; boot: string | null }[] = [];
    const traffic = (async () => {
      while (!stop) {
        const r = await json(project.slug);
        answers.push({ status: r.status, vars: r.json?.vars ?? null, boot: r.json?.boot ?? null });
      }
    })();
    // The instances as the routers see them, sampled all along.
    const samples: { ready: number; rows: number }[] = [];
    const sampler = (async () => {
      while (!stop) {
        const rows = await db.runtimeInstance.findMany({ where: { deploymentId: deployment.id }, select: { state: true } });
        samples.push({ ready: rows.filter((r) => r.state === "ready").length, rows: rows.length });
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    await until(async () => answers.length > 10, 3000);

    const result = await changeEnvVars({
      ctx,
      slug: project.slug,
      input: {
        changes: [
          { op: "update", id: greeting.id, value: "bonjour" },
          { op: "update", id: fixed.id, value: "two" },
        ],
      },
    });
    expect(result.applied).toEqual([{ deploymentId: deployment.id, environment: deployment.environment, branch: deployment.branch, keys: ["APP_GREETING"] }]);
    const settled = async () => {
      const rows = await db.runtimeInstance.findMany({ where: { deploymentId: deployment.id } });
      return rows.length === 2 && rows.every((r) => r.state === "ready" && r.envRevision === 1);
    };
    await until(settled, 20_000, 50);
    await until(async () => answers.slice(-5).every((a) => a.vars?.APP_GREETING === "bonjour"), 5000);
    stop = true;
    await Promise.all([traffic, sampler]);

    expect(answers.filter((a) => a.status !== 200)).toEqual([]);
    // The fixed variable kept its built value; the mutable one changed, once per instance.
    expect(new Set(answers.map((a) => a.vars?.APP_FIXED))).toEqual(new Set(["one"]));
    expect(new Set(answers.map((a) => a.vars?.APP_GREETING))).toEqual(new Set(["hello", "bonjour"]));
    expect(new Set(answers.filter((a) => a.vars?.APP_GREETING === "bonjour").map((a) => a.boot)).size).toBe(2);
    // One at a time: a new instance was ready before an old one left, so two were always ready and never more than three ran.
    expect(Math.min(...samples.map((s) => s.ready))).toBe(2);
    expect(Math.max(...samples.map((s) => s.rows))).toBe(3);
    const after = await db.runtimeInstance.findMany({ where: { deploymentId: deployment.id }, orderBy: { slot: "asc" } });
    expect(after.map((i) => i.slot)).toEqual([2, 3]);
    // No rebuild: the same deployment and bundle, still running.
    const now = await db.deployment.findUniqueOrThrow({ where: { id: deployment.id } });
    expect({ count: await db.deployment.count({ where: { projectId: project.id } }), digest: now.bundleDigest, revision: now.envRevision }).toEqual({
      count: 1,
      digest: deployment.bundleDigest,
      revision: 1,
    });
    expect((await db.deploymentRuntime.findUniqueOrThrow({ where: { deploymentId: deployment.id } })).state).toBe("running");
    expect(await getRuntime({ ctx, id: deployment.id })).toMatchObject({ mutableKeys: ["APP_GREETING"], envRevision: 1 });
    // The next deployment is built with both new values.
    const next = await deployServer(ctx, project.slug, { version: "v2" });
    await until(async () => (await json(project.slug)).json?.version === "v2", 3000);
    expect((await json(project.slug)).json.vars).toEqual({ APP_GREETING: "bonjour", APP_FIXED: "two" });
    expect(next.deployment.envRevision).toBe(0);
  });

  it("a mutable value its app cannot start with is refused by the first new instance: the old ones keep serving, and the runtime says why", async () => {
    const { ctx, project } = await seedArchiveProject(db);
    const greeting = await seedEnvVar(db, project.id, { key: "APP_GREETING", value: "hello", mutable: true });
    const { deployment } = await deployServer(ctx, project.slug, {
      config: { instances: 2 },
      beforeListen: 'if (process.env.APP_GREETING === "boom") { console.error("cannot greet with boom"); process.exit(4); }',
    });
    await until(async () => (await json(project.slug)).json?.vars.APP_GREETING === "hello", 3000);
    const result = await changeEnvVars({ ctx, slug: project.slug, input: { changes: [{ op: "update", id: greeting.id, value: "boom" }] } });
    expect(result.applied.map((a) => a.deploymentId)).toEqual([deployment.id]);
    await until(async () => (await db.deploymentRuntime.findUniqueOrThrow({ where: { deploymentId: deployment.id } })).reason !== null, 15_000, 100);
    const rt = await db.deploymentRuntime.findUniqueOrThrow({ where: { deploymentId: deployment.id } });
    expect(rt.state).toBe("running");
    expect(rt.reason).toMatch(/^An instance with the new variables did not become ready, so the others keep the previous values\. It exited before its health check passed\. .*4/s);
    expect(rt.reason).toContain("cannot greet with boom");
    const rows = await db.runtimeInstance.findMany({ where: { deploymentId: deployment.id }, orderBy: { slot: "asc" } });
    expect(rows.map((i) => [i.slot, i.state, i.envRevision])).toEqual([
      [0, "ready", 0],
      [1, "ready", 0],
    ]);
    for (let i = 0; i < 4; i++) expect((await json(project.slug)).json.vars.APP_GREETING).toBe("hello");
  });

  it("a server that exits at start, or never passes its health check, fails its deploy with the reason; the live one keeps serving", async () => {
    const { ctx, project } = await seedArchiveProject(db);
    await deployServer(ctx, project.slug, { version: "good" });
    await until(async () => (await json(project.slug)).json?.version === "good", 3000);

    const exits = await deployServer(ctx, project.slug, { beforeListen: 'console.error("missing DATABASE_URL"); process.exit(3);' });
    expect(exits.outcome).toBe("failed");
    expect(exits.deployment.failureStage).toBe("publish");
    expect(exits.deployment.failureReason).toContain("It exited with code 3");
    expect(exits.deployment.failureReason).toContain("missing DATABASE_URL");

    const unhealthy = await deployServer(ctx, project.slug, { healthy: false });
    expect(unhealthy.outcome).toBe("failed");
    expect(unhealthy.deployment.failureReason).toContain("The health check /healthz failed for 4 s: answered 500.");

    // The live deployment never noticed, and nothing of the failed ones runs.
    expect((await json(project.slug)).json?.version).toBe("good");
    const failed = [exits.deployment.id, unhealthy.deployment.id];
    await until(async () => (await db.runtimeInstance.count({ where: { deploymentId: { in: failed } } })) === 0, 5000, 100);
    expect(await db.deploymentRuntime.findMany({ where: { deploymentId: { in: failed } }, select: { state: true } })).toEqual([{ state: "failed" }, { state: "failed" }]);
  });

  it("a preview scales to zero when idle; the next request starts it and waits for it; a browser gets a page that reloads itself", async () => {
    const { ctx, project } = await seedArchiveProject(db);
    const { outcome, deployment } = await deployServer(ctx, project.slug, { version: "preview", listenDelayMs: 3500 }, { branch: "feat", environment: "preview" });
    expect(outcome).toBe("live");
    const host = `${branchRouteName(project.slug, "feat")}.localhost`;
    await until(async () => (await request(router.port, host, "/")).status === 200, 3000);

    // Idle (idleMs is 1 s here): drained and stopped.
    await until(async () => (await db.deploymentRuntime.findUniqueOrThrow({ where: { deploymentId: deployment.id } })).state === "stopped", 10_000, 100);
    expect(await db.runtimeInstance.count({ where: { deploymentId: deployment.id } })).toBe(0);

    // A browser: after a short wait, a page (202) that reloads itself, never an error.
    const page = await request(router.port, host, "/", { headers: { accept: "text/html" } });
    expect(page.status).toBe(202);
    expect(page.body.toString()).toContain('<meta http-equiv="refresh" content="2">');
    // Another client waits for the instance and gets the app's answer.
    const started = Date.now();
    const cold = await request(router.port, host, "/");
    expect(cold.status).toBe(200);
    expect(JSON.parse(cold.body.toString()).version).toBe("preview");
    console.log(`preview cold start (after the browser's request began it): ${Date.now() - started} ms`);
    expect((await db.deploymentRuntime.findUniqueOrThrow({ where: { deploymentId: deployment.id } })).state).toBe("running");
  });

  it("a server that leaks memory past its limit is killed by it, named; one that ignores SIGTERM is killed after the grace", async () => {
    const { ctx, project } = await seedArchiveProject(db);
    // 64 MB of memory; the leak keeps 8 MB more every 50 ms.
    const leak = 'const kept = []; setInterval(() => kept.push(Buffer.alloc(8 << 20, 1)), 50);';
    const leaky = await deployServer(ctx, project.slug, { beforeListen: leak, listenDelayMs: 3000, config: { memoryMb: 64 } });
    expect(leaky.outcome).toBe("failed");
    if (config.SLIPWAY_SANDBOX === "on") {
      expect(leaky.deployment.failureReason).toContain("it used more than its memory limit of 64 MB (memoryMb in slipway.json) and was killed.");
    }

    const stubborn = await deployServer(ctx, project.slug, { version: "stubborn", beforeListen: 'process.on("SIGTERM", () => console.log("ignoring SIGTERM"));' });
    expect(stubborn.outcome).toBe("live");
    await until(async () => (await json(project.slug)).json?.version === "stubborn", 3000);
    const next = await deployServer(ctx, project.slug, { version: "next" });
    expect(next.outcome).toBe("live");
    // Drained (0.3 s), SIGTERM ignored, SIGKILL after the grace (1 s): stopped all the same, that much after it left the route.
    await until(async () => (await db.deploymentRuntime.findUniqueOrThrow({ where: { deploymentId: stubborn.deployment.id } })).state === "stopped", 15_000, 100);
    const stopped = await db.deploymentRuntime.findUniqueOrThrow({ where: { deploymentId: stubborn.deployment.id } });
    expect(stopped.updatedAt.getTime() - next.deployment.finishedAt!.getTime()).toBeGreaterThanOrEqual(1300);
    expect((await json(project.slug)).json?.version).toBe("next");
  });

  it("every line its instances write goes to the runtime logs with the deployment and SHA, variable values masked; --debug also shows them and names its variables", async () => {
    const { ctx, project } = await seedArchiveProject(db);
    await seedEnvVar(db, project.id, { key: "API_TOKEN", value: "tok-1234567890", sensitive: true });
    const say = 'console.log("token is " + process.env.API_TOKEN); console.error("a warning");';
    const debug = await deployServer(ctx, project.slug, { version: "debug", beforeListen: say }, { debug: "true" });
    expect(debug.outcome).toBe("live");
    const appLines = (deploymentId: string) => db.logLine.findMany({ where: { deploymentId, source: { in: ["stdout", "stderr"] } }, orderBy: { id: "asc" } });
    await until(async () => (await appLines(debug.deployment.id)).length >= 3, 5000, 100);
    const view = await getRuntime({ ctx, id: debug.deployment.id });
    expect(view).toMatchObject({ debug: true, variables: ["API_TOKEN"] });
    expect(view.logs.map((l) => [l.stream, l.text])).toEqual(
      expect.arrayContaining([
        ["stdout", "token is ••••"],
        ["stderr", "a warning"],
        ["stdout", expect.stringMatching(/^listening on /)],
      ]),
    );
    expect(view.logs[0].instance).toMatch(/#0$/);
    expect(JSON.stringify(view)).not.toContain("tok-1234567890");

    const plain = await deployServer(ctx, project.slug, { version: "plain", beforeListen: say });
    await until(async () => (await json(project.slug)).json?.version === "plain", 3000);
    await until(async () => (await appLines(plain.deployment.id)).length >= 3, 5000, 100);
    const lines = await appLines(plain.deployment.id);
    for (const l of lines) expect(l).toMatchObject({ projectId: project.id, deploymentId: plain.deployment.id, sha: plain.deployment.commitSha, instance: expect.stringMatching(/#0$/) });
    expect(lines.map((l) => [l.source, l.text])).toEqual(expect.arrayContaining([["stdout", "token is ••••"], ["stderr", "a warning"]]));
    expect(lines.map((l) => l.text).join("\n")).not.toContain("tok-1234567890");
    // The panel shows them only in debug mode; the Logs view has them for every deployment.
    expect(await getRuntime({ ctx, id: plain.deployment.id })).toMatchObject({ debug: false, variables: null, logs: [] });
  });

  it("a fixed lifetime: after it, the deployment URL answers 404 and its instances are reclaimed", async () => {
    const { ctx, project } = await seedArchiveProject(db);
    await deployServer(ctx, project.slug, { version: "live one" });
    const { outcome, deployment } = await deployServer(ctx, project.slug, { version: "short-lived" }, { branch: "tmp", environment: "preview", expiresIn: "1h" });
    expect(outcome).toBe("live");
    expect(deployment.expiresAt!.getTime() - Date.now()).toBeGreaterThan(59 * 60_000);
    // Its lifetime, shortened to 3 s from now.
    await db.deployment.update({ where: { id: deployment.id }, data: { expiresAt: new Date(Date.now() + 3000) } });
    const permalink = `${project.slug}-${deployment.id}.localhost`;
    expect(JSON.parse((await request(router.port, permalink, "/")).body.toString()).version).toBe("short-lived");
    // Visitors keep it wanted meanwhile (routers renew wantedAt every 2 s; this test's runtime idles after 1 s).
    const visits = setInterval(() => void db.deploymentRuntime.update({ where: { deploymentId: deployment.id }, data: { wantedAt: new Date() } }).catch(() => undefined), 200);
    try {
      await until(async () => (await db.deploymentRuntime.findUniqueOrThrow({ where: { deploymentId: deployment.id } })).state === "stopped", 10_000, 100);
    } finally {
      clearInterval(visits);
    }
    expect((await db.deploymentRuntime.findUniqueOrThrow({ where: { deploymentId: deployment.id } })).reason).toMatch(/^Its lifetime ended at /);
    const gone = await request(router.port, permalink, "/");
    expect(gone.status).toBe(404);
    expect(await db.runtimeInstance.count({ where: { deploymentId: deployment.id } })).toBe(0);
    // Production never noticed.
    expect((await json(project.slug)).json?.version).toBe("live one");
  });

  it("an app that puts a link where its socket goes is stopped before the platform connects to it", async () => {
    const { ctx, project } = await seedArchiveProject(db);
    // A link to a file of the host (/etc/passwd), where the router would connect as root; it never listens itself.
    const swap = 'require("node:fs").symlinkSync("/etc/passwd", process.env.SLIPWAY_LISTEN_SOCKET);';
    const { outcome, deployment } = await deployServer(ctx, project.slug, { beforeListen: swap, listenDelayMs: 600_000 });
    expect(outcome).toBe("failed");
    expect(deployment.failureReason).toContain("Its socket was not where it should be (a link, or not its own): it was stopped.");
  });

  it("restarts a crashed instance, and fails the runtime past its restart budget, naming why", async () => {
    const { ctx, project } = await seedArchiveProject(db);
    const { deployment } = await deployServer(ctx, project.slug, { version: "crashy" });
    await until(async () => (await json(project.slug)).json?.version === "crashy", 3000);
    // Crashes the instance serving now, then waits for its replacement (a process with another boot id).
    const crash = async () => {
      const before = (await json(project.slug)).json.boot;
      expect((await request(router.port, `${project.slug}.localhost`, "/crash")).body.toString()).toBe("bye");
      return before;
    };
    const replaced = (before: string) =>
      until(async () => {
        const r = await json(project.slug);
        return r.json?.version === "crashy" && r.json.boot !== before;
      }, 10_000, 100);

    await replaced(await crash());
    const instance = await db.runtimeInstance.findFirstOrThrow({ where: { deploymentId: deployment.id } });
    expect(instance).toMatchObject({ state: "ready", restarts: 1, lastError: "It exited with code 7." });
    await replaced(await crash());

    // The third crash within the window is past maxRestarts (2): the runtime fails, with the reason and the last lines.
    await crash();
    await until(async () => (await db.deploymentRuntime.findUniqueOrThrow({ where: { deploymentId: deployment.id } })).state === "failed", 15_000, 100);
    const rt = await db.deploymentRuntime.findUniqueOrThrow({ where: { deploymentId: deployment.id } });
    expect(rt.reason).toContain("Instance 1 crashed 3 times within 60 s. It exited with code 7.");
    expect(rt.reason).toContain("listening on");
    await until(async () => (await db.runtimeInstance.count({ where: { deploymentId: deployment.id } })) === 0, 5000, 100);
    expect((await request(router.port, `${project.slug}.localhost`, "/")).status).toBe(503);
  });
});
