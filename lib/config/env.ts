import os from "node:os";
import { isIP } from "node:net";
import path from "node:path";
import { z } from "zod";

// Every setting Slipway reads from the environment, with its default.
// .env.example documents the same list; loadConfig names the bad variable.
// A port number; `min` 0 for one to listen on, where 0 picks a free one
// (tests; the process prints what it got).
const port = (fallback: number, min = 1) =>
  z.coerce
    .number({ error: "must be a port number" })
    .int("must be a whole number")
    .min(min, `must be between ${min} and 65535`)
    .max(65535, `must be between ${min} and 65535`)
    .default(fallback);

const schema = z.object({
  PORT: port(3000),
  ROUTER_PORT: port(8080, 0),
  // The router's own /healthz and /readyz, apart from the apps' traffic.
  ROUTER_ADMIN_PORT: port(8081, 0),
  // A worker's /healthz, /readyz and /metrics (lib/observability/worker-status-server.ts); unset: none.
  // One worker per port: with several workers on a machine, give each its own.
  WORKER_METRICS_PORT: z.coerce.number({ error: "must be a port number" }).int().min(0).max(65535, "must be between 0 and 65535").optional(),
  // HTTPS (TLS with SNI, lib/router/tls-listener.ts); unset: plain HTTP only. It opens once a certificate exists.
  ROUTER_HTTPS_PORT: z.coerce.number({ error: "must be a port number" }).int().min(0).max(65535, "must be between 0 and 65535").optional(),
  // ACME (RFC 8555) certificates for verified domains (lib/certificates/); unset: none are requested.
  // Let's Encrypt: https://acme-v02.api.letsencrypt.org/directory (staging: https://acme-staging-v02.api.letsencrypt.org/directory).
  ACME_DIRECTORY_URL: z.url({ protocol: /^https$/, error: "must be an https:// URL" }).optional(),
  ACME_EMAIL: z.email({ error: "must be an email address" }).optional(),
  // External Account Binding, for CAs that require one (ZeroSSL, Google, most private CAs).
  ACME_EAB_KID: z.string().min(1).optional(),
  ACME_EAB_HMAC_KEY: z.string().regex(/^[A-Za-z0-9_-]+=*$/, "must be the base64url key the CA gave").optional(),
  // A PEM file of CAs to trust for the ACME server's own HTTPS (a private CA; a test server).
  ACME_CA_FILE: z.string().min(1).optional(),
  // DNS-01 for the wildcard *.<APPS_DOMAIN>: RFC 2136 dynamic updates (nsupdate) to the
  // operator's primary DNS server for ACME_DNS_ZONE (default APPS_DOMAIN), signed with a
  // TSIG key written as algorithm:name:base64-secret (the form nsupdate -y takes).
  ACME_DNS_SERVER: z
    .string()
    .refine(isDnsServer, "must be an IP address, optionally with :port (e.g. 192.0.2.53 or 127.0.0.1:5353)")
    .optional(),
  ACME_DNS_ZONE: z
    .string()
    .regex(/^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$/, "must be a lowercase zone name such as example.com")
    .optional(),
  ACME_DNS_TSIG_KEY: z
    .string()
    .regex(/^hmac-(sha256|sha384|sha512):[A-Za-z0-9._-]{1,200}:[A-Za-z0-9+/]+={0,2}$/, "must be algorithm:name:secret, e.g. hmac-sha256:slipway:<base64 secret>")
    .optional(),
  // Router processes (one per core by default), how often each re-reads the
  // whole route table (missed notifications heal), and its file cache.
  ROUTER_WORKERS: z.coerce.number({ error: "must be a number" }).int().min(0).max(256).default(0),
  ROUTER_RESYNC_SEC: z.coerce.number({ error: "must be a number" }).int().min(1).max(3600).default(30),
  // Request metrics of routes running a rollout (the canary analysis needs them; "off" only to measure their cost).
  ROUTER_METRICS: z.enum(["on", "off"], { error: "must be on or off" }).default("on"),
  // Runtime logs (lib/logs/): every routed request and every line functions
  // and instances write, kept LOG_RETENTION_DAYS ("off" only to measure their cost).
  RUNTIME_LOGS: z.enum(["on", "off"], { error: "must be on or off" }).default("on"),
  LOG_RETENTION_DAYS: z.coerce.number({ error: "must be a number" }).int().min(1).max(3650).default(7),
  ROUTER_CACHE_MB: z.coerce.number({ error: "must be a number" }).int().min(1).max(65_536).default(256),
  // Server functions: per-request time limit and memory limit of each deployment's function process.
  FUNCTION_TIMEOUT_SEC: z.coerce.number({ error: "must be a number" }).int().min(1).max(900).default(10),
  FUNCTION_MEMORY_MB: z.coerce.number({ error: "must be a number" }).int().min(32).max(16_384).default(256),
  // Where workers send a rollout's synthetic checks: the router as they reach it
  // (default: this machine's ROUTER_PORT).
  SYNTHETIC_ROUTER_URL: z.url({ protocol: /^http$/, error: "must be an http:// URL" }).optional(),
  BIND_HOST: z.string().min(1).default("0.0.0.0"),
  DATA_DIR: z.string().min(1).default(".data"),
  DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/, error: "must be a postgres:// or postgresql:// URL" }).optional(),
  EMBEDDED_PG_PORT: port(54329),
  APPS_DOMAIN: z
    .string()
    .regex(/^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$/, "must be a lowercase host name such as localhost or apps.example.com")
    .default("localhost"),
  PUBLIC_URL: z.url({ error: "must be an absolute URL" }).optional(),
  // Traces (OpenTelemetry, docs/observability.md): where spans go over OTLP/HTTP (its /v1/traces),
  // with these headers ("key=value,key2=value2"); unset: no tracing, at no cost. The share of new
  // traces kept (a request that arrives with a traceparent follows its sampled flag), and where a
  // log line's "trace" link points (a URL with {traceId}, e.g. Jaeger's https://jaeger.example.com/trace/{traceId}).
  OTEL_EXPORTER_OTLP_ENDPOINT: z.url({ protocol: /^https?$/, error: "must be an http:// or https:// URL" }).optional(),
  OTEL_EXPORTER_OTLP_HEADERS: z.string().max(4096).optional(),
  TRACE_SAMPLE_RATIO: z.coerce.number({ error: "must be a number" }).min(0, "must be between 0 and 1").max(1, "must be between 0 and 1").default(1),
  TRACE_URL: z.string().includes("{traceId}", { error: "must contain {traceId}" }).optional(),
  // Log drains may send to this machine, private networks and plain http:// (tests, a collector on the LAN); off: https:// to public addresses only.
  DRAIN_ALLOW_PRIVATE: z.enum(["true", "false"], { error: "must be true or false" }).default("false"),
  NEXTAUTH_SECRET: z.string().min(32, "must be at least 32 characters").optional(),
  SLIPWAY_ADMIN_EMAIL: z.email({ error: "must be an email address" }).optional(),
  SLIPWAY_ADMIN_PASSWORD: z.string().min(12, "must be at least 12 characters").optional(),
  WORKER_CONCURRENCY: z.coerce.number({ error: "must be a number" }).int().min(1).max(64).default(2),
  LOG_LEVEL: z.enum(["debug", "info", "warn", "error"]).default("info"),
  // Builds: per-step time limit, build-log cap, upload limit, and whether git
  // sources may be paths or file:// URLs on this server.
  BUILD_TIMEOUT_SEC: z.coerce.number({ error: "must be a number" }).int().min(10).max(6 * 3600).default(900),
  // A build whose worker has not beaten for this long is failed as "worker lost" (beats come every second).
  BUILD_LOST_AFTER_SEC: z.coerce.number({ error: "must be a number" }).int().min(3).max(3600).default(15),
  BUILD_MAX_LOG_MB: z.coerce.number({ error: "must be a number" }).int().min(1).max(1024).default(20),
  ARCHIVE_MAX_MB: z.coerce.number({ error: "must be a number" }).int().min(1).max(10_240).default(100),
  ALLOW_LOCAL_GIT: z.enum(["true", "false"], { error: "must be true or false" }).default("false"),
  // DNS servers for custom domains' TXT lookups: comma-separated `ip` or `ip:port`
  // (`[v6]:port`); unset: the system's resolvers.
  DNS_SERVERS: z
    .string()
    .transform((v) => v.split(",").map((s) => s.trim()).filter(Boolean))
    .refine((list) => list.length > 0 && list.every(isDnsServer), "must be comma-separated IP addresses, each optionally with :port (e.g. 1.1.1.1,127.0.0.1:5353)")
    .optional(),
  // The sandbox of user code (lib/sandbox/): "off" runs builds and functions
  // with the platform's own privileges (only where no sandbox can run; the
  // console then warns on every page). Each project's processes run as
  // SANDBOX_UID_BASE + the project's number; limits per sandboxed step or host.
  SLIPWAY_SANDBOX: z.enum(["on", "off"], { error: "must be on or off" }).default("on"),
  SANDBOX_UID_BASE: z.coerce.number({ error: "must be a number" }).int().min(1000).max(2_000_000_000).default(300_000),
  SANDBOX_MEMORY_MB: z.coerce.number({ error: "must be a number" }).int().min(64).max(1_048_576).default(2048),
  SANDBOX_PIDS: z.coerce.number({ error: "must be a number" }).int().min(16).max(1_000_000).default(1024),
  SANDBOX_DISK_MB: z.coerce.number({ error: "must be a number" }).int().min(16).max(1_048_576).default(4096),
  // Server apps (lib/runtime/): the machine's name in runtime_instances (the
  // routers of a machine send requests to its own instances), how long a
  // new server may take to pass its health check, and how long a runtime no
  // route serves (a preview's deployment URL) keeps running after its last request.
  RUNTIME_NODE: z.string().trim().regex(/^[A-Za-z0-9._-]{1,100}$/, "must be letters, digits, '.', '_' or '-'").optional(),
  RUNTIME_START_TIMEOUT_SEC: z.coerce.number({ error: "must be a number" }).int().min(5).max(3600).default(120),
  // How long the router waits for a server app's response to begin (then 504).
  SERVER_TIMEOUT_SEC: z.coerce.number({ error: "must be a number" }).int().min(1).max(3600).default(60),
  RUNTIME_IDLE_SEC: z.coerce.number({ error: "must be a number" }).int().min(5).max(604_800).default(300),
  // Push webhooks: oldest repository.pushed_at accepted, and the window in which a repeated push of the same commit is a replay.
  WEBHOOK_MAX_AGE_SEC: z.coerce.number({ error: "must be a number" }).int().min(30).max(86_400).default(300),
});

// `ip`, `ip:port` or `[v6]:port`, the forms Resolver.setServers takes.
function isDnsServer(s: string) {
  const m = /^\[(.+)\]:(\d{1,5})$/.exec(s) ?? /^([^:]+):(\d{1,5})$/.exec(s);
  if (!m) return isIP(s) !== 0;
  const port = Number(m[2]);
  return isIP(m[1]) === (s.startsWith("[") ? 6 : 4) && port >= 1 && port <= 65535;
}

export type Config = z.infer<typeof schema> & { dataDir: string; consoleUrl: string; syntheticRouterUrl: string; runtimeNode: string };

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ConfigError";
  }
}

export function loadConfig(raw: NodeJS.ProcessEnv = process.env): Config {
  // An empty variable (PORT= in a .env file) means "use the default".
  const env = Object.fromEntries(
    Object.entries(raw).flatMap(([k, v]) => (v === undefined || v.trim() === "" ? [] : [[k, v.trim()]])),
  );
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const name = String(issue.path[0] ?? "environment");
    const got = env[name];
    const shown = name === "DATABASE_URL" || /SECRET|PASSWORD|HMAC|TSIG|HEADERS/.test(name) ? "" : ` (got "${got}")`;
    throw new ConfigError(`Invalid configuration: ${name} ${issue.message}${got === undefined ? "" : shown}.`);
  }
  const c = parsed.data;
  return {
    ...c,
    dataDir: path.resolve(c.DATA_DIR),
    consoleUrl: c.PUBLIC_URL ?? `http://localhost:${c.PORT}`,
    syntheticRouterUrl: c.SYNTHETIC_ROUTER_URL ?? `http://${localAddress(c.BIND_HOST)}:${c.ROUTER_PORT}`,
    runtimeNode: c.RUNTIME_NODE ?? os.hostname(),
  };
}

// The address a process on this machine reaches a server bound to `bind` at.
function localAddress(bind: string) {
  if (bind === "0.0.0.0") return "127.0.0.1";
  if (bind === "::") return "[::1]";
  return bind.includes(":") ? `[${bind}]` : bind;
}
