import parsePrometheusTextFormat, { type MetricFamily } from "parse-prometheus-text-format";
import { describe, expect, inject, it } from "vitest";
import { runBuild } from "@/lib/build/run-build";
import { request, startTestRouter, until } from "@/lib/router/testing";
import { testDb } from "@/lib/testing/db";
import { deployDir, makeApp, seedArchiveProject, testBuildDeps, testDataDir } from "@/lib/testing/deploy";

const db = testDb();
const dataDir = testDataDir();

// A function that answers, fails, or kills its own host process.
const FN = `export default async (req) => {
  const url = new URL(req.url);
  if (url.searchParams.has("fail")) return new Response("no", { status: 503 });
  if (url.searchParams.has("die")) process.exit(3);
  return new Response("ok");
};`;

describe("router /metrics", () => {
  it("counts requests by status class and times them per project and deployment, with crashes and log lines, in Prometheus' text format", async () => {
    const { ctx, project } = await seedArchiveProject(db);
    const app = await makeApp({
      "src/index.html": "<h1>home</h1>",
      "src/api/work.js": FN,
      "slipway.json": JSON.stringify({ installCommand: "true", buildCommand: "mkdir -p dist/api && cp src/index.html dist/ && cp src/api/work.js dist/api/" }),
    });
    const d = await deployDir(ctx, project.slug, app);
    expect(await runBuild(d.id, testBuildDeps(db, inject("databaseUrl"), dataDir))).toBe("live");
    const router = await startTestRouter(inject("databaseUrl"), dataDir);
    const host = `${project.slug}.localhost`;

    for (let i = 0; i < 5; i++) expect((await request(router.port, host, `/?n=${i}`)).status).toBe(200);
    for (let i = 0; i < 3; i++) expect((await request(router.port, host, `/missing-${i}.css`)).status).toBe(404);
    expect((await request(router.port, host, "/api/work?fail=1")).status).toBe(503);
    expect((await request(router.port, host, "/api/work?die=1")).status).toBeGreaterThanOrEqual(500);

    const scrape = async () => {
      const res = await request(router.adminPort, "localhost", "/metrics");
      expect(res.status).toBe(200);
      expect(res.headers["content-type"]).toMatch(/^text\/plain; version=0\.0\.4/);
      return parsePrometheusTextFormat(res.body.toString());
    };
    const family = (families: MetricFamily[], name: string) => {
      const f = families.find((x) => x.name === name);
      if (!f) throw new Error(`no ${name} in ${families.map((x) => x.name).join(", ")}`);
      return f;
    };
    const mine = (f: MetricFamily) => f.metrics.filter((m) => m.labels?.deployment === d.id);

    await until(async () => family(await scrape(), "slipway_router_function_crashes_total").metrics.some((m) => m.labels?.project === project.slug), 5000, 100);
    const families = await scrape();

    const requests = family(families, "slipway_router_requests_total");
    expect(requests.type).toBe("COUNTER");
    const byClass = Object.fromEntries(mine(requests).map((m) => [m.labels!.status_class, Number(m.value)]));
    expect(byClass).toEqual({ "2xx": 5, "4xx": 3, "5xx": 2 });
    for (const m of mine(requests)) expect(m.labels!.project).toBe(project.slug);

    const latency = family(families, "slipway_router_request_duration_seconds");
    expect(latency.type).toBe("HISTOGRAM");
    // This parser folds a histogram's series into one object and keeps _count and
    // _sum only of unlabelled ones; this router served one deployment, so the
    // buckets are its series, and its count and sum are read off the text.
    expect(latency.metrics).toHaveLength(1);
    const [series] = latency.metrics;
    const text = (await request(router.adminPort, "localhost", "/metrics")).body.toString();
    const labels = `{project="${project.slug}",deployment="${d.id}"}`;
    expect(text).toContain(`slipway_router_request_duration_seconds_count${labels} 10\n`);
    expect(Number(new RegExp(`slipway_router_request_duration_seconds_sum${labels.replace(/[{}]/g, "\\$&")} ([0-9.e-]+)`).exec(text)?.[1])).toBeGreaterThan(0);
    const buckets = Object.entries(series.buckets!).map(([le, n]) => [le === "+Inf" ? Infinity : Number(le), Number(n)] as const).sort((a, b) => a[0] - b[0]);
    for (let i = 1; i < buckets.length; i++) expect(buckets[i][1]).toBeGreaterThanOrEqual(buckets[i - 1][1]);
    expect(buckets.at(-1)).toEqual([Infinity, 10]);

    // Bounded labels: never a path or a status code, only these names.
    for (const f of families) for (const m of f.metrics) for (const label of Object.keys(m.labels ?? {})) expect(["project", "deployment", "status_class"]).toContain(label);
    expect(JSON.stringify(families)).not.toContain("missing-1.css");

    expect(Number(family(families, "slipway_router_function_crashes_total").metrics.find((m) => m.labels?.project === project.slug)!.value)).toBeGreaterThanOrEqual(1);
    expect(Number(family(families, "slipway_router_routes").metrics[0].value)).toBeGreaterThanOrEqual(1);
    expect(Number(family(families, "slipway_router_database_up").metrics[0].value)).toBe(1);
    await until(async () => Number(family(await scrape(), "slipway_router_log_lines_written_total").metrics[0].value) >= 10, 3000, 100);
    expect(Number(family(await scrape(), "slipway_router_log_lines_dropped_total").metrics[0].value)).toBe(0);
    await router.close();
  });
});
