import { randomFillSync } from "node:crypto";
import type { HrTime, SpanContext } from "@opentelemetry/api";
import type { ReadableSpan, SpanExporter } from "@opentelemetry/sdk-trace";

// Traces, OpenTelemetry's way, at the router's price. The router starts or
// continues a W3C trace for each request (`traceparent`), passes its own span
// to the function or app instance as their parent, and records one SERVER
// span per request with the deployment, the build SHA (service.version) and
// the cohort arm. Spans are kept as plain records and turned into the SDK's
// ReadableSpan only when a batch is exported, by the official OTLP/HTTP
// exporter; a span object per request through the SDK's tracer would cost
// the request path several microseconds. Builds are traced stage by stage
// (lib/build/trace-build.ts) through the same batcher.
//
// Off unless OTEL_EXPORTER_OTLP_ENDPOINT is set: then nothing here is loaded
// and a request pays nothing for it.

export type SpanRecord = {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  /** SpanKind: 1 server, 0 internal. */
  kind: 0 | 1;
  /** Milliseconds since the epoch, fractional. */
  startMs: number;
  durationMs: number;
  attributes: Record<string, string | number | boolean>;
  error?: string | null;
};

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;
const ZERO_TRACE = "0".repeat(32);
const ZERO_SPAN = "0".repeat(16);

/** A W3C traceparent header's trace and parent span, or null if absent or malformed (then a new trace starts). */
export function parseTraceparent(header: string | null): { traceId: string; parentSpanId: string; sampled: boolean } | null {
  if (!header) return null;
  const m = TRACEPARENT.exec(header.trim().toLowerCase());
  if (!m || m[1] === ZERO_TRACE || m[2] === ZERO_SPAN) return null;
  return { traceId: m[1], parentSpanId: m[2], sampled: (parseInt(m[3], 16) & 1) === 1 };
}

export const traceparent = (traceId: string, spanId: string, sampled: boolean) => `00-${traceId}-${spanId}-${sampled ? "01" : "00"}`;

// Random ids from a pool refilled 4 KB at a time, turned into hex once per
// refill (one system call and one conversion per ~170 requests; a conversion
// per id cost the router 5% of its CPU at 100% sampling).
const pool = Buffer.alloc(4096);
let hexPool = "";
let used = pool.length;
export function randomHex(bytes: 8 | 16): string {
  if (used + bytes > pool.length) {
    randomFillSync(pool);
    hexPool = pool.toString("hex");
    used = 0;
  }
  const hex = hexPool.slice(used * 2, (used + bytes) * 2);
  used += bytes;
  return hex;
}

const hrTime = (ms: number): HrTime => [Math.floor(ms / 1000), Math.round((ms % 1000) * 1e6)];

export type SpanBatcherOptions = {
  exporter: SpanExporter;
  /** service.name and the like, on every span. */
  resource: ReadableSpan["resource"];
  scope: string;
  log?: (line: string) => void;
  maxPending?: number;
  flushMs?: number;
};

// Spans waiting for export: bounded like the log writer (past the bound they
// are dropped and counted), exported in batches once a second.
export class SpanBatcher {
  private pending: SpanRecord[] = [];
  private exporting: Promise<void> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private failing = false;
  exported = 0;
  dropped = 0;

  constructor(private readonly opts: SpanBatcherOptions) {}

  record(span: SpanRecord): void {
    if (this.pending.length >= (this.opts.maxPending ?? 20_000)) {
      this.dropped++;
      return;
    }
    this.pending.push(span);
  }

  start(): void {
    this.timer ??= setInterval(() => void this.flush(), this.opts.flushMs ?? 1000);
    this.timer.unref();
  }

  flush(): Promise<void> {
    if (this.exporting) return this.exporting;
    if (this.pending.length === 0) return Promise.resolve();
    const batch = this.pending;
    this.pending = [];
    this.exporting = new Promise<void>((resolve) => {
      this.opts.exporter.export(
        batch.map((s) => this.readable(s)),
        (result) => {
          // ExportResultCode.SUCCESS is 0.
          if (result.code === 0) {
            this.exported += batch.length;
            if (this.failing) this.opts.log?.("traces: the OTLP endpoint takes spans again");
            this.failing = false;
          } else {
            this.dropped += batch.length;
            if (!this.failing) this.opts.log?.(`traces: the OTLP endpoint refused a batch (${result.error?.message ?? "unknown error"}); spans are dropped and counted until it is back`);
            this.failing = true;
          }
          resolve();
        },
      );
    }).finally(() => (this.exporting = null));
    return this.exporting;
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.exporting;
    await this.flush();
    await this.opts.exporter.shutdown();
  }

  private readable(s: SpanRecord): ReadableSpan {
    const context: SpanContext = { traceId: s.traceId, spanId: s.spanId, traceFlags: 1 };
    return {
      name: s.name,
      kind: s.kind,
      spanContext: () => context,
      parentSpanContext: s.parentSpanId ? { traceId: s.traceId, spanId: s.parentSpanId, traceFlags: 1, isRemote: true } : undefined,
      startTime: hrTime(s.startMs),
      endTime: hrTime(s.startMs + s.durationMs),
      duration: hrTime(s.durationMs),
      // SpanStatusCode: 0 unset, 2 error.
      status: s.error ? { code: 2, message: s.error } : { code: 0 },
      attributes: s.attributes,
      links: [],
      events: [],
      ended: true,
      resource: this.opts.resource,
      instrumentationScope: { name: this.opts.scope },
      droppedAttributesCount: 0,
      droppedEventsCount: 0,
      droppedLinksCount: 0,
    };
  }
}

/** A batcher exporting over OTLP/HTTP to `endpoint` (its /v1/traces), or null when tracing is off. */
export async function spanBatcherFromConfig(config: { OTEL_EXPORTER_OTLP_ENDPOINT?: string; OTEL_EXPORTER_OTLP_HEADERS?: string }, serviceName: string, log?: (line: string) => void): Promise<SpanBatcher | null> {
  const endpoint = config.OTEL_EXPORTER_OTLP_ENDPOINT;
  if (!endpoint) return null;
  const [{ OTLPTraceExporter }, { resourceFromAttributes }] = await Promise.all([import("@opentelemetry/exporter-trace-otlp-http"), import("@opentelemetry/resources")]);
  const exporter = new OTLPTraceExporter({ url: `${endpoint.replace(/\/+$/, "")}/v1/traces`, headers: parseOtlpHeaders(config.OTEL_EXPORTER_OTLP_HEADERS ?? "") });
  const batcher = new SpanBatcher({ exporter, resource: resourceFromAttributes({ "service.name": serviceName }), scope: "slipway", log });
  batcher.start();
  return batcher;
}

/**
 * OTEL_EXPORTER_OTLP_HEADERS ("key=value,key2=value2", values percent-encoded
 * by the spec) as headers. A value is everything after the first "=", so an
 * API key that ends in base64's "==" padding, written as is, stays whole; one
 * that does not decode is taken as written.
 */
export function parseOtlpHeaders(raw: string): Record<string, string> {
  const decode = (s: string) => {
    try {
      return decodeURIComponent(s);
    } catch {
      return s;
    }
  };
  const headers: Record<string, string> = {};
  for (const pair of raw.split(",")) {
    const eq = pair.indexOf("=");
    const key = eq === -1 ? "" : decode(pair.slice(0, eq).trim());
    if (key !== "") headers[key] = decode(pair.slice(eq + 1).trim());
  }
  return headers;
}
