import os from "node:os";
import { Readable } from "node:stream";
import type { BlobStore } from "@/lib/bundles/store/blob-store";
import { BundleCache, type LoadedBundle } from "@/lib/router/bundle-cache";
import type { BunServer } from "@/lib/router/bun-serve";
import { FunctionPool, type PoolSandbox } from "@/lib/router/functions/function-pool";
import { matchFunction } from "@/lib/router/functions/function-paths";
import { type HostTarget, parseHost } from "@/lib/router/host-name";
import { loadDeploymentForHost, loadManifest, loadReadyInstances, requestRuntime } from "@/lib/router/load-routes";
import { proxyToInstance } from "@/lib/router/servers/instance-proxy";
import { closeRelaysTo, connectUpstream } from "@/lib/router/servers/websocket-relay";
import { healthOfProcesses, type ProcessStatus } from "@/lib/platform/process-status";
import { MetricsRecorder } from "@/lib/router/metrics-recorder";
import { type Page, pages, renderPage } from "@/lib/router/pages";
import { requestTarget } from "@/lib/router/request-target";
import { RouteSync } from "@/lib/router/route-sync";
import { type DeploymentRef, type RouteEntry, RouteTable } from "@/lib/router/route-table";
import { createBlobSource } from "@/lib/router/static/blob-source";
import { CompressedCache } from "@/lib/router/static/compressed-cache";
import { resolveRequestPath } from "@/lib/router/static/resolve-path";
import { negotiateEncoding, serveFile, type StaticResponse } from "@/lib/router/static/serve-file";
import { type ClientAddress, proxiedRequestHeaders } from "@/lib/router/functions/proxy";
import { loadCertificates, loadChallenge, type ServedCertificate } from "@/lib/router/load-certificates";
import { ByteLru } from "@/lib/router/static/lru";
import { TtlCache } from "@/lib/router/ttl-cache";
import { LogWriter } from "@/lib/logs/log-writer";
import { makeMasker } from "@/lib/build/mask-secrets";
import { RouterMetrics } from "@/lib/observability/router-metrics";
import { parseTraceparent, randomHex, type SpanBatcher, traceparent } from "@/lib/observability/traces";
import type { SecretKey } from "@/lib/secrets/keyring";
import { unseal, UnsealError } from "@/lib/secrets/seal";

export type RouterOptions = {
  databaseUrl: string;
  appsDomain: string;
  store: BlobStore;
  /** Bytes of file contents (and, as much again, of compressed bodies) kept in memory. */
  cacheBytes: number;
  resyncMs: number;
  secretKey: SecretKey;
  functions: { workDir: string; timeoutMs: number; memoryMb: number; sandbox: PoolSandbox };
  log?: (line: string) => void;
  /** Record request metrics: of routes running a rollout, for their analysis, and of every deployment, for /metrics (default on; off only to measure their cost). */
  metrics?: boolean;
  /** Runtime logs: a line per routed request and the functions' output, to log_lines (default on; off only to measure their cost). */
  logs?: boolean;
  /** Traces (lib/observability/traces.ts): a span per request, exported over OTLP; null or absent: none. */
  traces?: { batcher: SpanBatcher; sampleRatio: number } | null;
  /** The platform's processes as its supervisor reports them (npm start), for /readyz. */
  processes?: () => ProcessStatus[];
  /** Server deployments: this machine's name in runtime_instances, and the proxy's time limit (to the response's start). */
  servers?: { node: string; timeoutMs: number };
  /** HTTPS is on: the certificates to serve, each time they change (tls-listener.ts). */
  certificates?: (served: ServedCertificate[]) => Promise<void>;
  /** For /readyz: what HTTPS serves, and which certificates expire within 14 days with no renewal under way. */
  httpsHealth?: () => { port: number | null; served: number; expiringSoon: { hostname: string; notAfter: string }[] };
};

// How long a request for a server deployment with no ready instance (a preview
// scaled to zero, a Promote's instances starting) waits for one.
const INSTANCE_WAIT_MS = 30_000;
const BROWSER_WAIT_MS = 3_000;
// An instance's first requests, left out of a canary's latency as warm-up.
const INSTANCE_WARMUP_REQUESTS = 20;
// How long a draining instance's WebSockets stay open (the runtime sends SIGTERM after its drain time, 2 s by default).
const WEBSOCKET_DRAIN_MS = 1_000;
// How often requests to a preview or deployment URL renew its runtime's wantedAt (well under RUNTIME_IDLE_SEC, at least 5 s).
const WANTED_EVERY_MS = 2_000;

// How the function host (host.mjs) reports a function that failed, on stderr.
const FUNCTION_FAILED = /^\[function [^\]]+\] (threw|could not be loaded|did not return a Response|The function module exports no handler|the response body failed|internal error)\b/;

// A year, the value HSTS preload lists ask for (without includeSubDomains: a project's name is one host).
const HSTS = "max-age=31536000";

// ACME HTTP-01 (RFC 8555 8.3): what a CA fetches from any host being validated.
const CHALLENGE_PATH = "/.well-known/acme-challenge/";

// Files larger than this are streamed from the store each time, never cached.
const MAX_CACHED_FILE = 8 * 1024 * 1024;
// How long a deployment URL's lookup (found or not) is remembered.
const DEPLOYMENT_HOST_TTL_MS = 60_000;
const MISSING_HOST_TTL_MS = 2_000;
const MAX_PARSED_HOSTS = 10_000;

// `measured`: the route runs a rollout, so both arms are recorded for its analysis.
// `idles`: reached by a preview's route or a deployment URL, whose server
// instances stop when nobody asks for them (production's never do).
// `arm`: during a rollout, which side of the split the request went to.
type Target = { deployment: DeploymentRef; setCookie?: string; measured?: boolean; idles?: boolean; arm?: "live" | "canary" } | { page: Page };

// The visitor's cohort (0–9999), kept in a cookie so a visitor stays on one
// version for a whole stage, and only ever moves to the canary as its weight grows.
export const COHORT_COOKIE = "slw_cohort";
const COHORT_RE = new RegExp(`(?:^|;\\s*)${COHORT_COOKIE}=(\\d{1,4})(?:;|$)`);
const cohortCookie = (cohort: number) => `${COHORT_COOKIE}=${cohort}; Path=/; Max-Age=86400; SameSite=Lax; HttpOnly`;

// The edge router: Host → route → deployment → a file of its bundle or one of
// its functions. Every app response names the deployment and build SHA it
// came from, and all of it comes from that one deployment: the route entry is
// read once per request.
export function createRouter(opts: RouterOptions) {
  const table = new RouteTable();
  const bundles = new BundleCache((digest) => loadManifest(sync.pool, digest));
  const source = createBlobSource(opts.store, { maxCachedBytes: opts.cacheBytes, maxFileBytes: MAX_CACHED_FILE });
  const compressed = new CompressedCache({ maxBytes: opts.cacheBytes });
  // Runtime logs (lib/logs/log-writer.ts): written in batches, never waited for.
  const logs = opts.logs === false ? null : new LogWriter({ query: (text, values) => sync.pool.query(text, values), log: opts.log });
  // Request metrics (rollout buckets and Prometheus counters): off only to measure their cost.
  const measure = opts.metrics !== false;
  const tracing = opts.traces ?? null;
  // Prometheus metrics at the admin port's /metrics (lib/observability/router-metrics.ts).
  const telemetry = new RouterMetrics({ logs: () => logs?.stats() ?? null, routes: () => table.size, databaseUp: () => sync.status().database === "up" });
  // The deployments whose functions ran lately: their output lines carry the project and SHA, masked of their variables' values.
  const functionRefs = new Map<string, { d: DeploymentRef; mask: (text: string) => string }>();
  const functions = new FunctionPool({
    source,
    ...opts.functions,
    onLog: logs
      ? ({ deploymentId, stream, text, traceId }) => {
          const ref = functionRefs.get(deploymentId);
          if (!ref) return;
          // The host's own reports of a function that failed (host.mjs) are error events, stack or not.
          const error = stream === "stderr" && FUNCTION_FAILED.test(text);
          logs.add({ projectId: ref.d.projectId, deploymentId, sha: ref.d.sha, at: Date.now(), source: stream, instance: "functions", text: ref.mask(text), error, traceId });
        }
      : undefined,
    onCrash: (deploymentId, reason) => {
      const ref = functionRefs.get(deploymentId);
      telemetry.crashed(ref?.d.projectSlug ?? "unknown");
      if (ref && logs) {
        const text = `[function host] exited unexpectedly: ${reason}`;
        logs.add({ projectId: ref.d.projectId, deploymentId, sha: ref.d.sha, at: Date.now(), source: "stderr", instance: "functions", text: ref.mask(text), error: true });
      }
    },
  });
  const deploymentHosts = new TtlCache<DeploymentRef | null>(1000);
  const runtimeEnvs = new TtlCache<Record<string, string>>(256);
  // Certificate keys opened at the last load (load-certificates.ts).
  const openedKeys = new Map<string, string>();
  // Plain GETs' answers, ready to send again (see serveFrom): a Response sent
  // as a clone (a Response cannot be sent twice; a clone measured the same as
  // a new one from its status, headers and Blob). The body is a Blob:
  // immutable, so Bun sends it without the copy a byte array costs each time
  // (28 against 38 µs of CPU per 100 KB response, measured).
  const answered = new ByteLru<{ response: Response; size: number }>(Math.floor(opts.cacheBytes / 4), (a) => a.size + 512);
  const metrics = new MetricsRecorder(
    (text, values) => sync.pool.query(text, values),
    `${os.hostname()}:${process.pid}:${Date.now().toString(36)}`,
    opts.log,
  );

  // Ready instances of server deployments on this machine (socket paths), and where each one's next request goes.
  let instances = new Map<string, string[]>();
  // Each ready instance's name in the runtime logs ("<node>#<slot>", as its own output lines have it).
  let instanceLabels = new Map<string, string>();
  const nextInstance = new Map<string, number>();
  // Requests each instance has been sent, up to INSTANCE_WARMUP_REQUESTS.
  const instanceRequests = new Map<string, number>();
  const instanceWaiters = new Set<() => void>();
  const wanted = new Map<string, { at: number; state: Promise<string | null> }>();
  const sync = new RouteSync({
    databaseUrl: opts.databaseUrl,
    table,
    resyncMs: opts.resyncMs,
    log: opts.log,
    reloadInstances: async () => {
      if (!opts.servers) return;
      const before = instances;
      ({ ready: instances, labels: instanceLabels } = await loadReadyInstances(sync.pool, opts.servers.node));
      for (const wake of instanceWaiters) wake();
      // Instances that left the ready set drain: their WebSockets get a close frame after a grace (before the app's SIGTERM).
      const ready = new Set([...instances.values()].flat());
      for (const socketPath of [...before.values()].flat()) {
        if (ready.has(socketPath)) continue;
        instanceRequests.delete(socketPath);
        setTimeout(() => closeRelaysTo(socketPath, 1001, "the app is being replaced"), WEBSOCKET_DRAIN_MS).unref();
      }
    },
    reloadCertificates: opts.certificates && (async (): Promise<void> => opts.certificates!(await loadCertificates(sync.pool, opts.secretKey, openedKeys, opts.log))),
    prepare: async (entries) => {
      await Promise.all(entries.flatMap((r) => [r.live, r.canary]).map((d) => d && bundles.get(d.bundleDigest, d.spaFallback)));
    },
    onChange: () => {
      const keys = new Set<string>();
      for (const r of table.entries()) {
        for (const d of [r.live, r.canary]) if (d) keys.add(BundleCache.key(d.bundleDigest, d.spaFallback));
      }
      bundles.pin(keys);
      functions.retain(table.routableDeployments());
      // Both arms of a canary get their function hosts now, not on their first
      // visitor's request (see lib/rollouts/analyze-stage.ts on warm-up).
      for (const r of table.entries()) {
        if (!r.canary || !r.live) continue;
        for (const d of [r.canary, r.live]) {
          const bundle = (d.loaded ??= bundles.peek(d.bundleDigest, d.spaFallback));
          if (!bundle || bundle.functions.size === 0) continue;
          try {
            functions.prestart(functionBundle(d, bundle, runtimeEnv(d)));
          } catch {
            // variables that cannot be decrypted: its requests say so
          }
        }
      }
    },
  });

  // Accept-Encoding headers repeat too: the encoding each one asks for (what keys a kept answer).
  const encodings = new Map<string, string>();
  const encodingOf = (header: string | null) => {
    if (header === null) return "";
    let encoding = encodings.get(header);
    if (encoding === undefined) {
      if (encodings.size >= 256) encodings.clear();
      encoding = negotiateEncoding(header) ?? "";
      encodings.set(header, encoding);
    }
    return encoding;
  };

  // Host headers repeat; parse each distinct one once.
  const parsedHosts = new Map<string, HostTarget | null>();
  const hostOf = (header: string | undefined) => {
    if (header === undefined) return null;
    let parsed = parsedHosts.get(header);
    if (parsed === undefined) {
      if (parsedHosts.size >= MAX_PARSED_HOSTS) parsedHosts.clear();
      parsed = parseHost(header, opts.appsDomain);
      parsedHosts.set(header, parsed);
    }
    return parsed;
  };

  function resolveTarget(req: Request): Target | Promise<Target> {
    const hostHeader = req.headers.get("host") ?? undefined;
    const host = hostOf(hostHeader);
    if (!host) return { page: pages.badHost() };
    if (host.kind === "deployment") return deploymentTarget(host.slug, host.deploymentId, hostHeader!);
    const route: RouteEntry | undefined = host.kind === "route" ? table.route(host.name) : table.domainRoute(host.hostname);
    if (!route) return { page: pages.unknownHost(hostHeader!.split(":")[0], opts.appsDomain) };
    if (!route.live) return { page: pages.nothingLive(hostHeader!.split(":")[0]) };
    if (!route.canary) return { deployment: route.live, idles: route.kind === "branch" };
    // The cookie is read only here: most requests go to a route without a canary.
    return splitTraffic(route, route.live, route.canary, req.headers.get("cookie") ?? undefined);
  }

  // New visitors' cohorts step through all 10,000 values in a scrambled order
  // (6181 is coprime with 10,000), so any 10,000 of them split exactly by the
  // weight, rather than within the noise a random draw would add.
  let cohortCursor = Math.floor(Math.random() * 10_000);
  const nextCohort = () => (cohortCursor = (cohortCursor + 6181) % 10_000);

  // Weighted split: cohorts below weight × 100 get the canary.
  function splitTraffic(route: RouteEntry, live: DeploymentRef, canary: DeploymentRef, cookie: string | undefined): Target {
    const m = cookie ? COHORT_RE.exec(cookie) : null;
    const cohort = m ? Number(m[1]) : nextCohort();
    const toCanary = cohort < route.canaryWeight * 100;
    return { deployment: toCanary ? canary : live, arm: toCanary ? "canary" : "live", measured: opts.metrics !== false, setCookie: m ? undefined : cohortCookie(cohort) };
  }

  async function deploymentTarget(slug: string, id: string, hostHeader: string): Promise<Target> {
    const key = `${slug}/${id}`;
    let ref = deploymentHosts.get(key);
    if (ref === undefined) {
      try {
        ref = await loadDeploymentForHost(sync.pool, slug, id);
      } catch {
        return { page: pages.unavailable() };
      }
      // Remembered until its lifetime ends, at most.
      const ttl = ref ? Math.min(DEPLOYMENT_HOST_TTL_MS, ref.expiresAt ? ref.expiresAt.getTime() - Date.now() : Infinity) : MISSING_HOST_TTL_MS;
      deploymentHosts.set(key, ref, Math.max(1, ttl));
    }
    if (!ref) return { page: pages.unknownHost(hostHeader.split(":")[0], opts.appsDomain) };
    return { deployment: ref, idles: true };
  }

  const functionBundle = (d: DeploymentRef, bundle: LoadedBundle, env: Record<string, string>) => ({
    deploymentId: d.id,
    bundleDigest: d.bundleDigest,
    files: bundle.files,
    env,
    sandboxId: d.sandboxId,
    egressAllow: d.egressAllow,
  });

  function runtimeEnv(d: DeploymentRef): Record<string, string> {
    let env = runtimeEnvs.get(d.id);
    if (!env) {
      env = d.runtimeEnvEnc ? (JSON.parse(unseal(opts.secretKey, d.runtimeEnvEnc)) as Record<string, string>) : {};
      runtimeEnvs.set(d.id, env, 10 * 60_000);
    }
    return env;
  }

  // Synchronous where it can be (a cached file of a loaded bundle): Bun sends
  // a returned Response without a trip through the promise queue.
  // `undefined`: the request became a WebSocket (the server answered its handshake).
  type Answer = Response | undefined;

  function handle(req: Request): Answer | Promise<Answer> {
    const found = resolveTarget(req);
    return found instanceof Promise ? found.then((t) => respond(req, t)) : respond(req, found);
  }

  function respond(req: Request, target: Target): Answer | Promise<Answer> {
    if ("page" in target) {
      // A name being validated may have nothing live yet: its challenge is answered all the same.
      const path = requestTarget(req.url);
      return path.startsWith(CHALLENGE_PATH) ? challenge(path) : pageResponse(target.page);
    }
    const d = target.deployment;
    // A preview or a deployment URL whose fixed lifetime has ended is gone (production ignores lifetimes).
    if (target.idles && d.expiresAt && d.expiresAt.getTime() <= Date.now()) return pageResponse(pages.expired());
    const stamp: Record<string, string> = { "x-slipway-deployment": d.id, "x-slipway-sha": d.sha };
    // Only over HTTPS (RFC 6797 7.2: a browser ignores it on plain HTTP anyway).
    if (d.hsts && secureRequests.has(req)) stamp["strict-transport-security"] = HSTS;
    if (target.setCookie) stamp["set-cookie"] = target.setCookie;
    if (!measure && !logs && !tracing) {
      const served = serve(req, d, stamp, target.idles === true, requestTarget(req.url), null);
      return served instanceof Promise ? served.then((s) => s.response) : served.response;
    }
    const started = performance.now();
    const path = requestTarget(req.url);
    const trace = startTrace(req);
    const served = serve(req, d, stamp, target.idles === true, path, trace);
    if (!(served instanceof Promise)) {
      done(req, target, path, started, served, trace);
      return served.response;
    }
    return served.then(
      (s) => {
        done(req, target, path, started, s, trace);
        return s.response;
      },
      (e: unknown) => {
        done(req, target, path, started, undefined, trace);
        throw e;
      },
    );
  }

  // `spanId`: the router's span, exported when `sampled`; none without tracing.
  type Trace = { traceId: string; spanId: string | null; parentSpanId?: string; sampled: boolean };
  // Continues the client's W3C trace (or starts one) with the router's span.
  // Without tracing, a request line still names the client's trace when it
  // sent one (its traceparent passes on untouched); a request to a function
  // gets a trace id of its own in serveFrom (what the function prints shares
  // it), and a file none: nothing else can join its trace.
  function startTrace(req: Request): Trace | null {
    if (!tracing && !logs) return null;
    const incoming = parseTraceparent(req.headers.get("traceparent"));
    if (!tracing) return incoming && { traceId: incoming.traceId, spanId: null, sampled: false };
    const sampled = incoming ? incoming.sampled : Math.random() < tracing.sampleRatio;
    return { traceId: incoming?.traceId ?? randomHex(16), spanId: randomHex(8), parentSpanId: incoming?.parentSpanId, sampled };
  }

  // A request about to go to a function or an app instance carries the router's span as its parent
  // (only then: a file needs none, and setting a header costs the request path).
  function passOnTrace(req: Request, trace: Trace | null) {
    if (trace?.spanId) req.headers.set("traceparent", traceparent(trace.traceId, trace.spanId, trace.sampled));
  }

  // A request to a deployment was answered (or failed: `served` undefined):
  // its metrics if the route runs a rollout, and its line in the runtime logs.
  // Timed until the response begins: what a visitor waits for, and what both arms are compared on.
  function done(req: Request, target: Extract<Target, { deployment: DeploymentRef }>, path: string, started: number, served: Served | undefined, trace: Trace | null) {
    const ms = performance.now() - started;
    const status = served ? (served.response?.status ?? 101) : 500;
    const d = target.deployment;
    if (target.measured) metrics.record(d.id, ms, status >= 500, served?.warmup ?? true);
    if (measure) telemetry.requests.record(d.projectSlug, d.id, status, ms);
    const q = path.indexOf("?");
    const urlPath = q === -1 ? path : path.slice(0, q);
    const spanId = trace?.sampled ? trace.spanId : null;
    if (trace && spanId) {
      tracing!.batcher.record({
        traceId: trace.traceId,
        spanId,
        parentSpanId: trace.parentSpanId,
        name: req.method,
        kind: 1,
        startMs: Date.now() - ms,
        durationMs: ms,
        attributes: {
          "http.request.method": req.method,
          "url.path": urlPath,
          "http.response.status_code": status,
          "deployment.id": d.id,
          "service.version": d.sha,
          "slipway.project": d.projectSlug,
          ...(target.arm ? { "slipway.cohort.arm": target.arm } : {}),
          ...(served?.instance ? { "slipway.instance": served.instance } : {}),
        },
        error: status >= 500 ? `HTTP ${status}` : null,
      });
    }
    if (!logs) return;
    logs.add({
      projectId: d.projectId,
      deploymentId: d.id,
      sha: d.sha,
      at: Date.now(),
      source: "request",
      method: req.method,
      path: urlPath,
      status,
      durationMs: Math.round(ms * 100) / 100,
      bytes: served?.bytes ?? null,
      arm: target.arm,
      instance: served?.instance,
      text: "",
      traceId: trace?.traceId ?? served?.traceId,
    });
  }

  // `warmup`: the request was served during a warm-up: its bundle had to be
  // loaded, or its function host was starting (function-pool.ts).
  // `instance`: the server instance that answered, by its name in the runtime logs.
  // `bytes`: the body's size, where it is known without reading a header (kept files).
  // `traceId`: the one a function request got without a trace of its own (startTrace).
  type Served = { response: Answer; warmup: boolean; instance?: string; bytes?: number; traceId?: string };

  // `trace`: the request's, if it has one (passed to a function or an instance).
  function serve(req: Request, d: DeploymentRef, stamp: Record<string, string>, idles: boolean, target: string, trace: Trace | null): Served | Promise<Served> {
    // ACME's HTTP-01 answers come before the app's own files and server (checked here, where the path is read anyway).
    if (target.startsWith(CHALLENGE_PATH)) return challenge(target).then((response) => ({ response, warmup: false }));
    if (d.server) return serveServer(req, d, stamp, idles, target, trace);
    const q = target.indexOf("?");
    const rawPath = q === -1 ? target : target.slice(0, q);
    // A plain GET (no condition, no range, no cookie to set) answered before:
    // the same status, headers and bytes again. Kept by deployment, encoding,
    // whether it carries HSTS (an HTTPS answer of a project with HSTS on
    // differs from its plain one), and the file; the usual paths of a file
    // ("/a.css", "/", "/docs/") are also kept as sent, so that their next
    // request skips resolving the path (a bundle never changes).
    const plain = req.method === "GET" && !stamp["set-cookie"] && !req.headers.has("range") && !req.headers.has("if-none-match");
    const keep = plain ? { prefix: `${d.id}\0${encodingOf(req.headers.get("accept-encoding"))}\0${stamp["strict-transport-security"] ? "h" : ""}\0`, rawPath } : null;
    if (keep !== null) {
      const hit = answered.get(keep.prefix + rawPath);
      if (hit) return { response: hit.response.clone(), warmup: false, bytes: hit.size };
    }
    const resolved = resolveRequestPath(rawPath);
    if (!resolved.ok) return { response: pageResponse(pages.badPath(resolved.status), stamp), warmup: false };
    const bundle: LoadedBundle | undefined = (d.loaded ??= bundles.peek(d.bundleDigest, d.spaFallback));
    if (!bundle) return loadThenServe(req, d, stamp, target, resolved.path, keep, trace);
    return serveFrom(req, d, stamp, bundle, target, resolved.path, keep, false, trace);
  }

  type Keep = { prefix: string; rawPath: string } | null;

  // Whether `rawPath` is one of the few usual paths of the file it found (so
  // that one file is kept under a handful of names at most, whatever paths
  // visitors make up): "/<file>", or its directory or clean URL, with or
  // without the trailing slash; never a fallback (404 page, SPA index).
  function usualPath(rawPath: string, filePath: string, found: string): boolean {
    if (rawPath !== `/${filePath}` && rawPath !== `/${filePath}/`) return false;
    return found === filePath || found === (filePath === "" ? "index.html" : `${filePath}/index.html`) || found === `${filePath}.html`;
  }

  async function loadThenServe(req: Request, d: DeploymentRef, stamp: Record<string, string>, target: string, filePath: string, keep: Keep, trace: Trace | null): Promise<Served> {
    let bundle: LoadedBundle;
    try {
      bundle = d.loaded = await bundles.get(d.bundleDigest, d.spaFallback);
    } catch {
      return { response: pageResponse(pages.unavailable(), stamp), warmup: true };
    }
    return serveFrom(req, d, stamp, bundle, target, filePath, keep, true, trace);
  }

  function serveFrom(
    req: Request,
    d: DeploymentRef,
    stamp: Record<string, string>,
    bundle: LoadedBundle,
    target: string,
    filePath: string,
    /** How a plain GET's answer is kept (see serve), or null. */
    keep: Keep,
    warmup: boolean,
    trace: Trace | null,
  ): Served | Promise<Served> {
    const page = (p: Page): Served => ({ response: pageResponse(p, stamp), warmup });
    if (bundle.functions.size > 0 && filePath.startsWith("api/")) {
      const fn = matchFunction(bundle.functions, filePath);
      if (fn) {
        let env: Record<string, string>;
        try {
          env = runtimeEnv(d);
        } catch (e) {
          // Never run a function with a missing or empty environment.
          opts.log?.(`runtime variables of ${d.id} could not be decrypted: ${e instanceof UnsealError ? e.message : "not a variable set"}`);
          const message = "This deployment's environment variables could not be decrypted, so its functions do not run. Redeploy it to seal its variables again.";
          return page({ status: 500, title: "environment unavailable", message });
        }
        const client = clientOf(req);
        passOnTrace(req, trace);
        if (functionRefs.get(d.id)?.d !== d) {
          if (functionRefs.size >= 1000) functionRefs.clear();
          functionRefs.set(d.id, { d, mask: makeMasker(Object.values(env)) });
        }
        // Its output lines are tagged with the request's trace (host.mjs): one is made for it if it has none.
        const traceId = trace?.traceId ?? (logs ? randomHex(16) : undefined);
        return functions.handle(functionBundle(d, bundle, env), fn, req, target, stamp, client, traceId).then((ran) => ({ response: ran.response, warmup: ran.warmup || warmup, traceId }));
      }
    }

    const lookup = bundle.index.lookup(filePath);
    if (!lookup) return page(pages.notFound());
    const key = keep && `${keep.prefix}${lookup.status}:${lookup.entry.path}`;
    const usual = keep !== null && lookup.status === 200 && usualPath(keep.rawPath, filePath, lookup.entry.path);
    if (key !== null) {
      const hit = answered.get(key);
      if (hit) {
        if (usual) answered.set(keep.prefix + keep.rawPath, hit);
        return { response: hit.response.clone(), warmup, bytes: hit.size };
      }
    }
    let response: StaticResponse | Promise<StaticResponse>;
    try {
      response = serveFile(req, lookup.entry, source, lookup.status, { compressed });
    } catch (e) {
      return failedFile(d, lookup.entry.path, e, page);
    }
    const finish = (r: StaticResponse): Served => {
      const headers = new Headers(Object.assign(r.headers, stamp));
      if (keep && key !== null && Buffer.isBuffer(r.body)) {
        const body = new Blob([bodyOf(r.body) as Uint8Array<ArrayBuffer>]);
        const kept = { response: new Response(body, { status: r.status, headers }), size: body.size };
        answered.set(key, kept);
        if (usual) answered.set(keep.prefix + keep.rawPath, kept);
        return { response: kept.response.clone(), warmup, bytes: kept.size };
      }
      return { response: new Response(bodyOf(r.body), { status: r.status, headers }), warmup };
    };
    if (!(response instanceof Promise)) return finish(response);
    return response.then(finish, (e) => failedFile(d, lookup.entry.path, e, page));
  }

  // A server deployment: every request goes to one of its ready instances, in
  // turn. With none ready yet (scaled to zero, starting), the request asks for
  // its runtime and waits for one; past INSTANCE_WAIT_MS it gets a 503.
  async function serveServer(req: Request, d: DeploymentRef, stamp: Record<string, string>, idles: boolean, target: string, trace: Trace | null): Promise<Served> {
    const servers = opts.servers;
    if (!servers) return { response: pageResponse(pages.noServer(), stamp), warmup: false };
    let sockets = instances.get(d.id);
    const warmup = !sockets?.length;
    // A request keeps an idling runtime up; with no instance to send it to,
    // it starts it, and its state must be recent (it may have failed meanwhile).
    if (idles && !warmup) void wantRuntime(d.id, WANTED_EVERY_MS);
    if (warmup) {
      const state = wantRuntime(d.id, 1000);
      if ((await state) === "failed") return { response: pageResponse(pages.serverFailed(), stamp), warmup: false };
      // A browser gets a page that reloads itself after a short wait; other clients wait for the instance.
      const browser = req.method === "GET" && (req.headers.get("accept") ?? "").includes("text/html");
      sockets = await waitForInstance(d.id, browser ? BROWSER_WAIT_MS : INSTANCE_WAIT_MS);
      if (!sockets?.length && browser) return { response: loadingPage(stamp), warmup: true };
    }
    if (!sockets?.length) return { response: pageResponse(pages.serverStarting(), { ...stamp, "retry-after": "5" }), warmup: true };
    const turn = nextInstance.get(d.id) ?? 0;
    nextInstance.set(d.id, turn + 1);
    const socketPath = sockets[turn % sockets.length];
    // An instance's first requests are its warm-up (its code is cold), left
    // out of a canary's latency like a function host's first (lib/rollouts/analyze-stage.ts).
    const answered = instanceRequests.get(socketPath) ?? 0;
    if (answered < INSTANCE_WARMUP_REQUESTS) instanceRequests.set(socketPath, answered + 1);
    const client = clientOf(req);
    passOnTrace(req, trace);
    const cold = warmup || answered < INSTANCE_WARMUP_REQUESTS;
    const instance = instanceLabels.get(socketPath);
    if (req.headers.get("upgrade")?.toLowerCase() === "websocket") return { response: await upgrade(req, socketPath, target, client, stamp), warmup: cold, instance };
    return { response: await proxyToInstance(req, { socketPath, target, client, stamp, timeoutMs: servers.timeoutMs }), warmup: cold, instance };
  }

  // Renews a server deployment's wantedAt (once per WANTED_EVERY_MS): its
  // runtime then starts, or stays up while it is asked for. Its state as of then.
  function wantRuntime(deploymentId: string, maxAgeMs: number): Promise<string | null> {
    const last = wanted.get(deploymentId);
    if (last && Date.now() - last.at < maxAgeMs) return last.state;
    const state = requestRuntime(sync.pool, deploymentId).catch(() => {
      wanted.delete(deploymentId);
      return null;
    });
    if (wanted.size >= 10_000) wanted.clear();
    wanted.set(deploymentId, { at: Date.now(), state });
    return state;
  }

  function waitForInstance(deploymentId: string, waitMs: number): Promise<string[] | undefined> {
    return new Promise((resolve) => {
      const done = () => {
        const ready = instances.get(deploymentId);
        if (!ready?.length) return false;
        clearTimeout(timer);
        instanceWaiters.delete(check);
        resolve(ready);
        return true;
      };
      const check = () => void done();
      const timer = setTimeout(() => {
        instanceWaiters.delete(check);
        resolve(undefined);
      }, waitMs);
      if (!done()) instanceWaiters.add(check);
    });
  }

  // A WebSocket: connected to the instance first, then the client's handshake answered (websocket-relay.ts).
  async function upgrade(req: Request, socketPath: string, target: string, client: ClientAddress, stamp: Record<string, string>): Promise<Response | undefined> {
    const protocols = (req.headers.get("sec-websocket-protocol") ?? "").split(",").map((p) => p.trim()).filter(Boolean);
    const relay = await connectUpstream(socketPath, target, proxiedRequestHeaders(req.headers, client), protocols);
    if (!relay) return pageResponse(pages.websocketRefused(), stamp);
    const headers: Record<string, string> = { ...stamp };
    if (relay.upstream.protocol) headers["sec-websocket-protocol"] = relay.upstream.protocol;
    delete headers["set-cookie"];
    if ((secureRequests.get(req) ?? appServer)?.upgrade(req, { data: relay, headers })) return undefined;
    relay.upstream.close();
    return pageResponse(pages.notWebsocket(), stamp);
  }

  function failedFile(d: DeploymentRef, filePath: string, e: unknown, page: (p: Page) => Served): Served {
    opts.log?.(`serving ${filePath} of ${d.id} failed: ${(e as Error).message}`);
    return page(pages.unavailable());
  }

  let appServer: BunServer | undefined;
  // Requests that came over HTTPS, and the server (of tls-listener.ts) that took each.
  const secureRequests = new WeakMap<Request, BunServer>();
  const clientOf = (req: Request): ClientAddress => {
    const secure = secureRequests.get(req);
    return { address: (secure ?? appServer)?.requestIP(req)?.address ?? "", secure: secure !== undefined };
  };
  // Host names HTTPS has a certificate for (set by the TLS listener): their plain HTTP requests are redirected.
  let httpsFor: ((hostname: string) => boolean) | null = null;
  let httpsPort = 443;

  const failed = (e: unknown) => {
    opts.log?.(`request failed: ${(e as Error).message}`);
    return pageResponse(pages.unavailable());
  };

  function guarded(req: Request): Answer | Promise<Answer> {
    try {
      const response = handle(req);
      return response instanceof Promise ? response.catch(failed) : response;
    } catch (e) {
      return failed(e);
    }
  }

  // Plain HTTP: a redirect to HTTPS for hosts that have a certificate (but not
  // ACME's HTTP-01 requests, answered with the rest in respond() and serve(),
  // where the path is read anyway: nothing here costs a request without HTTPS).
  function fetch(req: Request): Answer | Promise<Answer> {
    if (httpsFor !== null) {
      const host = (req.headers.get("host") ?? "").toLowerCase().replace(/:\d+$/, "");
      if (host && httpsFor(host)) {
        const target = requestTarget(req.url);
        if (target.startsWith(CHALLENGE_PATH)) return challenge(target);
        const location = `https://${host}${httpsPort === 443 ? "" : `:${httpsPort}`}${target}`;
        return new Response(null, { status: 308, headers: { location, "cache-control": "no-store" } });
      }
    }
    return guarded(req);
  }

  // HTTPS (tls-listener.ts): the same routing, with the server that took the request remembered for its client address.
  function secureFetch(req: Request, server: BunServer): Answer | Promise<Answer> {
    secureRequests.set(req, server);
    return guarded(req);
  }

  // The answer to /.well-known/acme-challenge/<token> (`path`, with any query: then no token matches).
  async function challenge(path: string): Promise<Response> {
    const token = path.slice(CHALLENGE_PATH.length);
    const text = (status: number, body: string) => new Response(body, { status, headers: { "content-type": "text/plain", "cache-control": "no-store" } });
    if (!/^[A-Za-z0-9_-]{1,256}$/.test(token)) return text(404, "No such challenge.");
    try {
      const answer = await loadChallenge(sync.pool, token);
      return answer === null ? text(404, "No such challenge.") : text(200, answer);
    } catch (e) {
      opts.log?.(`ACME challenge lookup failed: ${(e as Error).message}`);
      return text(503, "The challenge cannot be looked up right now.");
    }
  }

  // The admin port: health, readiness, metrics, and what this process routes a name to.
  function adminFetch(req: Request): Response | Promise<Response> {
    const target = requestTarget(req.url);
    if (target === "/healthz") return jsonResponse(200, { ok: true, pid: process.pid });
    if (target === "/metrics" && req.method === "GET") return telemetry.text().then((text) => new Response(text, { headers: { "content-type": telemetry.contentType } }));
    if (target === "/readyz") {
      const s = sync.status();
      const status = !s.hasTable ? "unavailable" : s.database === "up" ? "ready" : "degraded";
      // The platform's other processes (restarts, a crash loop) are reported, not judged:
      // the router serves apps whatever happened to the worker or the console.
      // Certificates close to expiry are a warning here too, not a failure: the current ones still serve.
      const https = opts.httpsHealth?.() ?? null;
      // Runtime log lines written and dropped (the log store away or too slow: lines go, requests never wait).
      const logStats = logs?.stats() ?? null;
      return jsonResponse(s.hasTable ? 200 : 503, { status, pid: process.pid, ...s, processes: healthOfProcesses(opts.processes?.() ?? []), https, logs: logStats });
    }
    const route = /^\/routes\/([a-z0-9-]{1,100})$/.exec(target);
    if (route && req.method === "GET") {
      const r = table.route(route[1]);
      if (!r) return jsonResponse(404, { error: "no such route" });
      return jsonResponse(200, { name: route[1], live: r.live?.id ?? null, canary: r.canary?.id ?? null, canaryWeight: r.canaryWeight });
    }
    return jsonResponse(404, { error: "not found" });
  }

  return {
    fetch,
    secureFetch,
    adminFetch,
    /** From the TLS listener: which host names HTTPS serves (their plain requests are redirected), and on which port. */
    servingHttps(covers: ((hostname: string) => boolean) | null, port: number) {
      httpsFor = covers;
      httpsPort = port;
    },
    /** The server `fetch` answers for: where a request's client address comes from. */
    serving(server: BunServer) {
      appServer = server;
    },
    sync,
    table,
    functions,
    metrics,
    start: () => {
      sync.start();
      metrics.start();
      logs?.start();
    },
    async close() {
      await functions.close();
      await metrics.stop();
      await logs?.stop();
      await tracing?.batcher.stop();
      await sync.close();
    },
  };
}

export type Router = ReturnType<typeof createRouter>;

// A cached file's bytes (a view, not a copy), or a large file streamed from the store.
function bodyOf(body: StaticResponse["body"]): Uint8Array<ArrayBuffer> | ReadableStream<Uint8Array> | null {
  if (body === null) return null;
  if (Buffer.isBuffer(body)) return new Uint8Array(body.buffer as ArrayBuffer, body.byteOffset, body.byteLength);
  return Readable.toWeb(body as Readable) as ReadableStream<Uint8Array>;
}

// 202, not an error: the app is on its way, and the page asks again by itself.
function loadingPage(stamp: Record<string, string>): Response {
  const html = renderPage(pages.serverWaking()).replace("<head>", '<head><meta http-equiv="refresh" content="2">');
  return new Response(html, { status: 202, headers: { "content-type": "text/html; charset=utf-8", "cache-control": "no-store", "x-content-type-options": "nosniff", ...stamp } });
}

function pageResponse(page: Page, extra: Record<string, string> = {}): Response {
  return new Response(renderPage(page), {
    status: page.status,
    headers: { "content-type": "text/html; charset=utf-8", "cache-control": "no-store", "x-content-type-options": "nosniff", ...extra },
  });
}

/** What the server answers when the router itself throws (never expected: handle() catches). */
export function failurePage(): Response {
  return pageResponse(pages.unavailable());
}

function jsonResponse(status: number, value: unknown): Response {
  return new Response(JSON.stringify(value), { status, headers: { "content-type": "application/json", "cache-control": "no-store" } });
}
