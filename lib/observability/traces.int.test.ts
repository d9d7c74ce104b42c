import http from "node:http";
import type { AddressInfo } from "node:net";
import { gunzipSync } from "node:zlib";
import { describe, expect, inject, it } from "vitest";
import { runBuild } from "@/lib/build/run-build";
import { request, startTestRouter, until } from "@/lib/router/testing";
import { testDb } from "@/lib/testing/db";
import { deployDir, makeApp, seedArchiveProject, testBuildDeps, testDataDir } from "@/lib/testing/deploy";
import { workerProcesses } from "@/lib/testing/worker-processes";

const db = testDb();
const dataDir = testDataDir();
const worker = workerProcesses(dataDir);

type Attr = { key: string; value: { stringValue?: string; intValue?: string | number; boolValue?: boolean } };
type OtlpSpan = { traceId: string; spanId: string; parentSpanId?: string; name: string; kind: number; startTimeUnixNano: string; endTimeUnixNano: string; attributes: Attr[]; status?: { code?: number; message?: string } };
type Received = OtlpSpan & { resource: Record<string, unknown>; attrs: Record<string, unknown> };

const flat = (attrs: Attr[]) => Object.fromEntries(attrs.map((a) => [a.key, a.value.stringValue ?? (a.value.intValue !== undefined ? Number(a.value.intValue) : a.value.boolValue)]));

// An OTLP/HTTP receiver (JSON, as the official exporter sends it): what an OpenTelemetry Collector's otlphttp receiver takes.
async function otlpReceiver() {
  const spans: Received[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      let raw = Buffer.concat(chunks);
      if (req.headers["content-encoding"] === "gzip") raw = gunzipSync(raw);
      if (req.url !== "/v1/traces" || !String(req.headers["content-type"]).startsWith("application/json")) {
        res.writeHead(415).end();
        return;
      }
      const body = JSON.parse(raw.toString()) as { resourceSpans: { resource: { attributes: Attr[] }; scopeSpans: { spans: OtlpSpan[] }[] }[] };
      for (const rs of body.resourceSpans) for (const ss of rs.scopeSpans) for (const s of ss.spans) spans.push({ ...s, resource: flat(rs.resource.attributes), attrs: flat(s.attributes) });
      res.writeHead(200, { "content-type": "application/json" }).end("{}");
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return { endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, spans, close: () => new Promise<void>((r) => server.close(() => r())) };
}

const FN = `export default async (req) => {
  const fail = new URL(req.url).searchParams.has("fail");
  return Response.json({ traceparent: req.headers.get("traceparent") }, { status: fail ? 502 : 200 });
};`;

describe("traces", () => {
  it("the router continues or starts a W3C trace per request, hands its span to the function, and exports it over OTLP with the deployment and SHA", async () => {
    const otlp = await otlpReceiver();
    const { ctx, project } = await seedArchiveProject(db);
    const app = await makeApp({ "src/api/trace.js": FN, "slipway.json": JSON.stringify({ installCommand: "true", buildCommand: "mkdir -p dist/api && cp src/api/trace.js dist/api/ && echo home > dist/index.html" }) });
    const d = await deployDir(ctx, project.slug, app);
    expect(await runBuild(d.id, testBuildDeps(db, inject("databaseUrl"), dataDir))).toBe("live");
    const deployment = await db.deployment.findUniqueOrThrow({ where: { id: d.id } });
    const router = await startTestRouter(inject("databaseUrl"), dataDir, { env: { OTEL_EXPORTER_OTLP_ENDPOINT: otlp.endpoint } });
    const host = `${project.slug}.localhost`;

    // Continued: the client's trace and parent.
    const clientTrace = "4bf92f3577b34da6a3ce929d0e0e4736";
    const clientSpan = "00f067aa0ba902b7";
    const continued = await request(router.port, host, "/api/trace?x=1", { headers: { traceparent: `00-${clientTrace}-${clientSpan}-01` } });
    const seenByFunction = JSON.parse(continued.body.toString()).traceparent as string;
    const [, fnTrace, fnParent, flags] = seenByFunction.split("-");
    expect([fnTrace, flags]).toEqual([clientTrace, "01"]);
    expect(fnParent).not.toBe(clientSpan);
    // Started: no traceparent from the client; and a failing one.
    const started = JSON.parse((await request(router.port, host, "/api/trace")).body.toString()).traceparent as string;
    expect(started).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    expect((await request(router.port, host, "/api/trace?fail=1")).status).toBe(502);
    expect((await request(router.port, host, "/", { headers: { traceparent: "00-zzzz-bad-01" } })).status).toBe(200);

    await until(async () => otlp.spans.length >= 4, 5000, 100);
    const byTrace = (id: string) => otlp.spans.find((s) => s.traceId === id)!;
    const span = byTrace(clientTrace);
    expect(span).toMatchObject({ spanId: fnParent, parentSpanId: clientSpan, kind: 2, name: "GET" });
    expect(span.resource["service.name"]).toBe("slipway-router");
    expect(span.attrs).toMatchObject({
      "deployment.id": d.id,
      "service.version": deployment.commitSha,
      "slipway.project": project.slug,
      "http.request.method": "GET",
      "url.path": "/api/trace",
      "http.response.status_code": 200,
    });
    expect(BigInt(span.endTimeUnixNano)).toBeGreaterThan(BigInt(span.startTimeUnixNano));
    const startedSpan = byTrace(started.split("-")[1]);
    expect(startedSpan.spanId).toBe(started.split("-")[2]);
    expect(startedSpan.parentSpanId ?? "").toBe("");
    const failed = otlp.spans.find((s) => s.attrs["http.response.status_code"] === 502)!;
    expect(failed.status).toMatchObject({ code: 2, message: "HTTP 502" });
    // A malformed traceparent starts a new trace rather than being passed on.
    expect(otlp.spans.filter((s) => s.attrs["url.path"] === "/")).toHaveLength(1);

    // Each request line names its trace.
    await until(async () => (await db.logLine.count({ where: { projectId: project.id, source: "request", traceId: { not: null } } })) === 4, 3000, 50);
    expect((await db.logLine.findMany({ where: { projectId: project.id, source: "request" } })).map((l) => l.traceId)).toContain(clientTrace);
    await router.close();

    // Off (no endpoint): nothing is added; a client's traceparent passes through as it came.
    const plain = await startTestRouter(inject("databaseUrl"), dataDir);
    expect(JSON.parse((await request(plain.port, host, "/api/trace")).body.toString()).traceparent).toBeNull();
    expect(JSON.parse((await request(plain.port, host, "/api/trace", { headers: { traceparent: `00-${clientTrace}-${clientSpan}-01` } })).body.toString()).traceparent).toBe(`00-${clientTrace}-${clientSpan}-01`);
    await plain.close();
    await otlp.close();
  });

  it("a worker traces each build, a span per stage under the build's", async () => {
    const otlp = await otlpReceiver();
    worker.startWorker({ OTEL_EXPORTER_OTLP_ENDPOINT: otlp.endpoint });
    const { ctx, project } = await seedArchiveProject(worker.db);
    const app = await makeApp({ "slipway.json": JSON.stringify({ installCommand: "true", buildCommand: "mkdir -p dist && echo hi > dist/index.html" }) });
    const d = await deployDir(ctx, project.slug, app);
    await until(async () => otlp.spans.some((s) => s.name === "build"), 120_000, 200);
    await until(async () => otlp.spans.filter((s) => s.name.startsWith("build ")).length >= 5, 5000, 100);
    const root = otlp.spans.find((s) => s.name === "build")!;
    expect(root.resource["service.name"]).toBe("slipway-worker");
    expect(root.attrs).toMatchObject({ "deployment.id": d.id, "slipway.project": project.slug, "slipway.build.outcome": "live" });
    const stages = otlp.spans.filter((s) => s.traceId === root.traceId && s.parentSpanId === root.spanId).map((s) => s.attrs["slipway.build.stage"]);
    expect(stages).toEqual(expect.arrayContaining(["source", "install", "build", "bundle", "upload", "publish"]));
    await otlp.close();
  });
});
