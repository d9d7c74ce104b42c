import client from "prom-client";
import type { LogWriterStats } from "@/lib/logs/log-writer";
import { RequestStats } from "@/lib/observability/request-stats";

// What a router process exposes at GET /metrics on its admin port, in
// Prometheus' text format: requests, errors and latency per project and
// deployment (lib/observability/request-stats.ts), function host crashes,
// runtime log lines written and dropped, the route table and its database.
// Each router process answers for itself (a scrape target per process, or
// per machine through the shared port: the kernel picks one).
export type RouterMetricsSources = {
  logs: () => LogWriterStats | null;
  routes: () => number;
  databaseUp: () => boolean;
};

export class RouterMetrics {
  readonly requests = new RequestStats();
  private readonly registry = new client.Registry();
  private readonly crashes: client.Counter<"project">;

  constructor(sources: RouterMetricsSources) {
    this.requests.register(this.registry, "slipway_router");
    this.crashes = new client.Counter({
      name: "slipway_router_function_crashes_total",
      help: "Function host processes that died unexpectedly (each is restarted, or left failed after too many).",
      labelNames: ["project"],
      registers: [this.registry],
    });
    const logCounter = (name: string, help: string, read: (s: LogWriterStats) => number) =>
      new client.Counter({
        name,
        help,
        registers: [this.registry],
        collect() {
          const s = sources.logs();
          this.reset();
          if (s) this.inc(read(s));
        },
      });
    logCounter("slipway_router_log_lines_written_total", "Runtime log lines written to the log store.", (s) => s.written);
    logCounter("slipway_router_log_lines_dropped_total", "Runtime log lines dropped: the log store was away or too slow (requests never wait for it).", (s) => s.dropped);
    new client.Gauge({
      name: "slipway_router_routes",
      help: "Routes in this process's table.",
      registers: [this.registry],
      collect() {
        this.set(sources.routes());
      },
    });
    new client.Gauge({
      name: "slipway_router_database_up",
      help: "1 while this process's connection to Postgres works (it serves its last table meanwhile).",
      registers: [this.registry],
      collect() {
        this.set(sources.databaseUp() ? 1 : 0);
      },
    });
  }

  crashed(project: string): void {
    this.crashes.inc({ project });
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
