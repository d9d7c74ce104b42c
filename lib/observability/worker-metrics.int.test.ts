import http from "node:http";
import parsePrometheusTextFormat, { type MetricFamily } from "parse-prometheus-text-format";
import { beforeAll, describe, expect, it } from "vitest";
import type { Db } from "@/lib/db/client";
import { freePort } from "@/lib/platform/free-port";
import { deployDir, makeApp, seedArchiveProject, testDataDir } from "@/lib/testing/deploy";
import { unique } from "@/lib/testing/seed";
import { workerProcesses } from "@/lib/testing/worker-processes";

const processes = workerProcesses(testDataDir());
let db: Db;
beforeAll(() => {
  ({ db } = processes);
});

function get(port: number, path: string): Promise<{ status: number; type: string; body: string }> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: "127.0.0.1", port, path }, (res) => {
        let body = "";
        res.on("data", (c) => (body += c));
        res.on("end", () => resolve({ status: res.statusCode!, type: String(res.headers["content-type"]), body }));
      })
      .on("error", reject);
  });
}

describe("worker /metrics and /readyz", () => {
  it("times its builds, and reports the queue, rollouts, instance restarts and certificates close to expiry", async () => {
    const port = await freePort();
    const worker = processes.startWorker({ WORKER_METRICS_PORT: String(port), BIND_HOST: "127.0.0.1" });
    await expect.poll(() => worker.output.join("").includes("worker status on"), { timeout: 30_000 }).toBe(true);

    const { ctx, project } = await seedArchiveProject(db);
    const app = await makeApp({ "slipway.json": JSON.stringify({ installCommand: "true", buildCommand: "mkdir -p dist && echo hi > dist/index.html" }) });
    const d = await deployDir(ctx, project.slug, app);
    await expect.poll(async () => (await db.deployment.findUniqueOrThrow({ where: { id: d.id } })).status, { timeout: 120_000, interval: 500 }).toBe("live");

    // State the scrape reads from the database.
    const route = await db.route.findFirstOrThrow({ where: { projectId: project.id } });
    await db.rollout.create({ data: { projectId: project.id, routeId: route.id, canaryDeploymentId: d.id, status: "running", stages: [10, 50, 100], stageIndex: 1, settings: {} } });
    await db.runtimeInstance.create({ data: { deploymentId: d.id, node: "metrics-test", slot: 0, state: "ready", restarts: 2 } });
    const hostname = `${unique("soon")}.example.test`;
    await db.certificate.create({ data: { hostname, source: "uploaded", state: "issued", notAfter: new Date(Date.now() + 3 * 86_400_000) } });

    // The deployment is live when its build publishes; the job (and its timing) ends a moment later.
    await expect.poll(async () => (await get(port, "/metrics")).body, { timeout: 10_000, interval: 100 }).toMatch(/^slipway_worker_build_duration_seconds_count\{outcome="live"\} 1$/m);
    const res = await get(port, "/metrics");
    expect(res.status).toBe(200);
    expect(res.type).toMatch(/^text\/plain; version=0\.0\.4/);
    const families = parsePrometheusTextFormat(res.body);
    const family = (name: string): MetricFamily => families.find((f) => f.name === name) ?? expect.fail(`no ${name}`);

    expect(family("slipway_worker_build_duration_seconds").type).toBe("HISTOGRAM");
    expect(res.body).toMatch(/^slipway_worker_build_duration_seconds_count\{outcome="live"\} 1$/m);
    const sum = Number(/^slipway_worker_build_duration_seconds_sum\{outcome="live"\} ([0-9.e-]+)$/m.exec(res.body)?.[1]);
    expect(sum).toBeGreaterThan(0);
    expect(sum).toBeLessThan(120);

    const jobs = Object.fromEntries(family("slipway_jobs").metrics.map((m) => [m.labels!.state, Number(m.value)]));
    expect(Object.keys(jobs).sort()).toEqual(["running", "waiting"]);
    expect(family("slipway_deployments_in_progress").metrics.map((m) => m.labels!.status).sort()).toEqual(["building", "queued"]);
    expect(family("slipway_rollouts_active").metrics.find((m) => m.labels!.project === project.slug)).toMatchObject({ labels: { status: "running", weight: "50" }, value: "1" });
    expect(family("slipway_runtime_instance_restarts").metrics.find((m) => m.labels!.project === project.slug)?.value).toBe("2");
    expect(Number(family("slipway_certificates_expiring_soon").metrics[0].value)).toBeGreaterThanOrEqual(1);

    const ready = await get(port, "/readyz");
    expect(ready.status).toBe(200);
    const body = JSON.parse(ready.body);
    expect(body).toMatchObject({ status: "ready", database: "up" });
    expect(body.https.expiringSoon).toContainEqual({ hostname, notAfter: expect.any(String) });
    expect((await get(port, "/healthz")).status).toBe(200);
    expect((await get(port, "/nope")).status).toBe(404);
  });
});
