import client from "prom-client";

// The router's request metrics, per project and deployment: requests by
// status class, and the time to the response's start as a histogram. The
// request path only adds to plain numbers (one Map lookup and a few
// increments, measured well under a tenth of a microsecond); prom-client
// reads them when /metrics is scraped. prom-client's own observe() costs
// about 0.4 µs a request with labels, a twentieth of the router's whole
// budget for a cached file, hence this split.
//
// Label cardinality is bounded: no paths, and at most MAX_SERIES deployments;
// past that, requests count under deployment="other" until series that saw
// no request for IDLE_MS (as scrapes see it) are dropped.

export const DURATION_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const MAX_SERIES = 1000;
const IDLE_MS = 60 * 60_000;
const CLASSES = ["1xx", "2xx", "3xx", "4xx", "5xx"] as const;

type Series = {
  project: string;
  deployment: string;
  byClass: number[];
  buckets: number[];
  sum: number;
  count: number;
  /** The count at the last scrape that saw it change, and when (read at scrapes only: the request path reads no clock). */
  countAtScrape: number;
  changedAt: number;
};

export class RequestStats {
  private readonly series = new Map<string, Series>();
  private other: Series | null = null;

  /** One answered request: its status and the milliseconds to its response's start. */
  record(project: string, deploymentId: string, status: number, ms: number): void {
    let s = this.series.get(deploymentId);
    if (s === undefined) s = this.add(project, deploymentId);
    const cls = (status / 100) | 0;
    if (cls >= 1 && cls <= 5) s.byClass[cls - 1]++;
    const seconds = ms / 1000;
    let i = 0;
    while (i < DURATION_BUCKETS.length && seconds > DURATION_BUCKETS[i]) i++;
    s.buckets[i]++;
    s.sum += seconds;
    s.count++;
  }

  private add(project: string, deployment: string): Series {
    if (this.series.size >= MAX_SERIES) return (this.other ??= newSeries("other", "other"));
    const s = newSeries(project, deployment);
    this.series.set(deployment, s);
    return s;
  }

  private all(): Series[] {
    const now = Date.now();
    for (const [id, s] of this.series) {
      if (s.count !== s.countAtScrape) [s.countAtScrape, s.changedAt] = [s.count, now];
      else if (now - s.changedAt > IDLE_MS) this.series.delete(id);
    }
    return this.other ? [...this.series.values(), this.other] : [...this.series.values()];
  }

  /** The two metrics, registered in `registry`. */
  register(registry: client.Registry, prefix: string): void {
    const all = () => this.all();
    new client.Counter({
      name: `${prefix}_requests_total`,
      help: "Requests answered for a deployment, by status class.",
      labelNames: ["project", "deployment", "status_class"],
      registers: [registry],
      collect() {
        this.reset();
        for (const s of all()) {
          s.byClass.forEach((n, i) => n > 0 && this.inc({ project: s.project, deployment: s.deployment, status_class: CLASSES[i] }, n));
        }
      },
    });
    registry.registerMetric(new DurationHistogram(`${prefix}_request_duration_seconds`, all));
  }
}

const newSeries = (project: string, deployment: string): Series => ({
  project,
  deployment,
  byClass: [0, 0, 0, 0, 0],
  buckets: new Array<number>(DURATION_BUCKETS.length + 1).fill(0),
  sum: 0,
  count: 0,
  countAtScrape: 0,
  changedAt: Date.now(),
});

// A histogram whose values come from RequestStats at each scrape: prom-client
// renders and escapes it like any of its own. (prom-client has no API to set a
// histogram's buckets; its pinned version's readers are overridden, and the
// integration test parses the result, so an upgrade that changes them fails there.)
// prom-client declares its metric types as a TypeScript enum that does not exist at run time.
const HISTOGRAM = "histogram" as unknown as client.MetricType;
const DURATION_HELP = "Time from a request's arrival to its response's start, per deployment.";

class DurationHistogram extends client.Histogram<"project" | "deployment"> {
  constructor(
    private readonly metricName: string,
    private readonly read: () => Series[],
  ) {
    super({ name: metricName, help: DURATION_HELP, labelNames: ["project", "deployment"], buckets: DURATION_BUCKETS, registers: [] });
  }

  // The registry renders a histogram from getForPromString() (prom-client 15), other readers call get().
  override async get(): Promise<client.MetricObjectWithValues<client.MetricValueWithName<"project" | "deployment" | "le">>> {
    return this.current();
  }

  async getForPromString() {
    return this.current();
  }

  private current(): client.MetricObjectWithValues<client.MetricValueWithName<"project" | "deployment" | "le">> {
    const values: client.MetricValueWithName<"project" | "deployment" | "le">[] = [];
    for (const s of this.read()) {
      const labels = { project: s.project, deployment: s.deployment };
      let cumulative = 0;
      DURATION_BUCKETS.forEach((le, i) => {
        cumulative += s.buckets[i];
        values.push({ metricName: `${this.metricName}_bucket`, labels: { ...labels, le }, value: cumulative });
      });
      values.push({ metricName: `${this.metricName}_bucket`, labels: { ...labels, le: "+Inf" }, value: s.count });
      values.push({ metricName: `${this.metricName}_sum`, labels, value: s.sum });
      values.push({ metricName: `${this.metricName}_count`, labels, value: s.count });
    }
    return { name: this.metricName, help: DURATION_HELP, type: HISTOGRAM, values, aggregator: "sum", collect: () => undefined };
  }
}
