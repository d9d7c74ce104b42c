import { createHash } from "node:crypto";
import path from "node:path";
import { formatBytes, formatDuration } from "@/lib/build/sandbox/run-step";
import type { ManifestEntry } from "@/lib/bundles/build-manifest";
import { isFunctionPath } from "@/lib/router/functions/function-paths";
import { type FunctionBundle, type FunctionLogLine, Host, type HostConfig, type HostStatus, KILL_GRACE_MS } from "@/lib/router/functions/function-host";
import { HostSlots } from "@/lib/router/functions/host-slot";
import { parseAllowList } from "@/lib/sandbox/egress-rules";
import { materializeFunctions } from "@/lib/router/functions/materialize";
import { type ClientAddress, errorResponse, forwardRequest, readBody } from "@/lib/router/functions/proxy";
import type { FileSource } from "@/lib/router/static/blob-source";

export type { FunctionBundle, FunctionLogLine, HostState, HostStatus } from "@/lib/router/functions/function-host";
export { HOST_PATH } from "@/lib/router/functions/host-slot";
export { FILE_HEADER, PING_HEADER } from "@/lib/router/functions/proxy";

// Runs the server functions of deployments, one child process ("host", see
// host.mjs) per deployment, never in the router process:
//
// - Environment: exactly the deployment's runtime variables plus NODE_ENV
//   (production unless the deployment sets it), PATH, SLIPWAY_FUNCTION_HOST=1
//   and SLIPWAY_SANDBOX=<marker>; nothing of the router's own environment.
// - Process group: the host leads its own group (detached); stopping it
//   SIGTERMs the group, SIGKILLs it after a grace, and SIGKILLs whatever
//   escaped the group by its marker (kill-marked.ts). A watchdog thread in
//   the host kills the group if the router dies.
// - Sandbox (lib/sandbox/, host-slot.ts): every host runs as its project's
//   sandbox user in namespaces of its own, seeing only its code, its home and
//   socket, with egress to the internet only and a memory and process limit.
//   Where the sandbox is unavailable, hosts fail with the reason (503);
//   only SLIPWAY_SANDBOX=off runs them as the router's own user.
// - Transport: HTTP over a Unix socket (one per host process, mode 0600),
//   through a keep-alive agent. The function file to run goes in the
//   x-slipway-fn-file header (percent-encoded); clients' x-slipway-fn-*
//   headers are dropped.
// - Time limit (timeoutMs, enforced here: a handler stuck in a sync loop
//   blocks the host's event loop): the request gets 504, then the host is
//   pinged; if it does not answer within PING_TIMEOUT_MS its event loop is
//   blocked, and it is killed and restarted (counted as a crash). A handler
//   that merely never resolves costs its request a 504, not the host.
// - Memory: --max-old-space-size=memoryMb (heap exhaustion kills the host),
//   plus a resident-size check every TICK_MS against maxRssMb (Buffers and
//   other off-heap memory are not bounded by the heap limit).
// - Crashes (exit, uncaught error, OOM, killed for a timeout): the request in
//   flight gets 502 (504 for the timed-out one) and the host restarts, after
//   100 ms, 200 ms, 400 ms... up to maxRestarts within restartWindowMs; the
//   next crash leaves it `failed` (503 for every request) until reset() or a
//   router restart. A handler that throws is not a crash: that request gets 500.
// - Lifecycle: deploying → running → (crash → deploying)* → failed; stopped
//   once retain() no longer lists the deployment and it has been idle for
//   idleStopMs, on reset(), or on close(). A request for a stopped deployment
//   starts a fresh host.
// - A deployment whose bundle or variables change gets a new host; the old
//   one stops once its requests are done.
// - Warm-up: handle() resolves true for a request that arrived before its
//   host process was ready, or before that process had answered that function
//   file once (module load, first compile), and for requests in flight
//   meanwhile. The canary analysis leaves their latency out (see
//   lib/rollouts/analyze-stage.ts). prestart() starts a host before its first
//   request, as the router does for both arms of a canary.
//
// Nothing here logs request bodies or variable values; the functions' own
// output goes to onLog (dropped by default).
//
// The parts: this file is the pool (which host serves a request, idle stops,
// memory checks); function-host.ts one deployment's host across restarts;
// host-process.ts one process of host.mjs; host-slot.ts its socket, marker
// and sandbox; proxy.ts the HTTP between router and host.

export type FunctionPoolOptions = {
  /** Where blob bytes come from. */
  source: FileSource;
  /** Function files are materialized under <workDir>/bundles/<bundleDigest>; sockets under <workDir>/sockets. */
  workDir: string;
  /** Per request, from the end of the request body to the end of the response; default 10 s → 504. */
  timeoutMs?: number;
  /** V8 heap limit of a host (--max-old-space-size), default 256. */
  memoryMb?: number;
  /** Resident-size limit of a host (checked twice a second), default 2 × memoryMb + 64. */
  maxRssMb?: number;
  /** Restarts allowed within restartWindowMs before the host is `failed`; default 3. */
  maxRestarts?: number;
  /** Default 60 s. */
  restartWindowMs?: number;
  /** Hosts of deployments retain() no longer lists stop after this idle time; default 60 s. */
  idleStopMs?: number;
  /** Request body limit, default 4.5 MB → 413. */
  maxBodyBytes?: number;
  /** The functions' own stdout/stderr, line by line (not called by default). */
  onLog?: (line: FunctionLogLine) => void;
  /** A deployment's host process died unexpectedly (then restarted, or left failed). */
  onCrash?: (deploymentId: string, reason: string) => void;
  /** Whether and how hosts are sandboxed (see above). */
  sandbox: PoolSandbox;
};

export type PoolSandbox =
  | { state: "on"; uidBase: number; pids: number; diskMb: number }
  | { state: "off" }
  | { state: "unavailable"; reason: string };

export const DEFAULT_TIMEOUT_MS = 10_000;
export const DEFAULT_MEMORY_MB = 256;
export const DEFAULT_MAX_RESTARTS = 3;
export const DEFAULT_RESTART_WINDOW_MS = 60_000;
export const DEFAULT_IDLE_STOP_MS = 60_000;
export const DEFAULT_MAX_BODY_BYTES = Math.floor(4.5 * 1024 * 1024);
const TICK_MS = 500;

const FAILED_MESSAGE =
  "503: the server functions of this deployment crashed repeatedly and were stopped. Redeploy, or restart the router, to try again.";

export class FunctionPool {
  private readonly source: FileSource;
  private readonly workDir: string;
  private readonly timeoutMs: number;
  private readonly maxRssKb: number;
  private readonly maxBodyBytes: number;
  private readonly idleStopMs: number;
  private readonly cfg: HostConfig;
  private readonly slots: HostSlots;
  private readonly hosts = new Map<string, Host>();
  /** Every host with processes, including replaced ones still finishing requests. */
  private readonly all = new Set<Host>();
  private readonly materializing = new Map<string, Promise<string>>();
  private routable: ReadonlySet<string> | null = null;
  private tick?: NodeJS.Timeout;
  private ticking = false;
  private closed = false;

  constructor(opts: FunctionPoolOptions) {
    this.source = opts.source;
    this.workDir = path.resolve(opts.workDir);
    this.timeoutMs = positive(opts.timeoutMs, DEFAULT_TIMEOUT_MS, "timeoutMs");
    const memoryMb = Math.floor(positive(opts.memoryMb, DEFAULT_MEMORY_MB, "memoryMb"));
    this.maxRssKb = positive(opts.maxRssMb, memoryMb * 2 + 64, "maxRssMb") * 1024;
    this.maxBodyBytes = nonNegative(opts.maxBodyBytes, DEFAULT_MAX_BODY_BYTES, "maxBodyBytes");
    this.idleStopMs = nonNegative(opts.idleStopMs, DEFAULT_IDLE_STOP_MS, "idleStopMs");
    const sandbox = opts.sandbox;
    const maxRssMb = this.maxRssKb / 1024;
    this.slots = new HostSlots(this.workDir, sandbox.state === "on" ? { uidBase: sandbox.uidBase, pids: sandbox.pids, diskMb: sandbox.diskMb, memoryMb: maxRssMb } : null);
    this.cfg = {
      memoryMb,
      maxRestarts: Math.floor(nonNegative(opts.maxRestarts, DEFAULT_MAX_RESTARTS, "maxRestarts")),
      restartWindowMs: nonNegative(opts.restartWindowMs, DEFAULT_RESTART_WINDOW_MS, "restartWindowMs"),
      onLog: opts.onLog,
      onCrash: opts.onCrash,
      materialize: (bundle) => this.materialize(bundle),
      nextSlot: (bundle, dir) =>
        this.slots.next({
          dir,
          env: bundle.env,
          heapMb: memoryMb,
          sandboxId: bundle.sandboxId,
          allow: parseAllowList(bundle.egressAllow),
        }),
      unavailable: sandbox.state === "unavailable" ? sandbox.reason : null,
    };
  }

  /**
   * Serves one request with `entry` (a function file of `bundle`), starting
   * the deployment's host if needed; `requestTarget` is the path and query
   * the client sent, `client` where it came from (the x-forwarded-* headers
   * the function sees), `traceId` the request's trace (its output lines carry
   * it). `headers` go on every response. Never rejects. Resolves
   * the response and whether the request was served during its host's
   * warm-up (see above).
   */
  async handle(
    bundle: FunctionBundle,
    entry: ManifestEntry,
    req: Request,
    requestTarget: string,
    headers: Record<string, string>,
    client: ClientAddress,
    traceId?: string,
  ): Promise<{ response: Response; warmup: boolean }> {
    const served = { warmup: true };
    try {
      return { response: await this.serve(bundle, entry, req, requestTarget, headers, client, served, traceId), warmup: served.warmup };
    } catch {
      return { response: errorResponse(502, "502: the function could not be run.", headers), warmup: served.warmup };
    }
  }

  /** Starts the deployment's host now, if it has none, so its first requests do not wait for it. */
  prestart(bundle: FunctionBundle): void {
    if (!this.closed && bundle.files.length > 0) this.hostFor(bundle);
  }

  status(deploymentId: string): HostStatus | undefined {
    return this.hosts.get(deploymentId)?.status();
  }

  /** Deployments not in `routable` stop once idle for idleStopMs (checked now and on a timer). */
  retain(routable: ReadonlySet<string>): void {
    this.routable = new Set(routable);
    this.sweep();
  }

  /** Forgets a deployment's host (e.g. a failed one): it stops, and the next request starts a fresh one. */
  async reset(deploymentId: string): Promise<void> {
    const host = this.hosts.get(deploymentId);
    if (!host) return;
    this.hosts.delete(deploymentId);
    await host.stop();
    this.all.delete(host);
  }

  /** Stops every host: SIGTERM, then SIGKILL of the process group after a grace. */
  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.tick);
    this.tick = undefined;
    await Promise.all([...this.all].map((host) => host.stop()));
  }

  private async serve(
    bundle: FunctionBundle,
    entry: ManifestEntry,
    req: Request,
    requestTarget: string,
    headers: Record<string, string>,
    client: ClientAddress,
    served: { warmup: boolean },
    traceId: string | undefined,
  ): Promise<Response> {
    if (this.closed) return errorResponse(503, "503: server functions are shutting down.", headers);
    if (!isFunctionPath(entry.path) || !bundle.files.some((f) => f.path === entry.path && f.sha256 === entry.sha256)) {
      return errorResponse(404, "404: no such function.", headers);
    }
    const declared = Number(req.headers.get("content-length") ?? undefined);
    if (Number.isFinite(declared) && declared > this.maxBodyBytes) return this.tooLarge(headers);

    const host = this.hostFor(bundle);
    if (host.state === "failed") return errorResponse(503, FAILED_MESSAGE, headers);
    host.inflight++;
    host.lastActive = Date.now();
    const startedCold = !host.proc?.ready || host.proc.exited;
    // The host is done with the request once its response has streamed (or failed).
    let done: Promise<void> = Promise.resolve();
    try {
      const body = await readBody(req, this.maxBodyBytes);
      if (body === "too_large") return this.tooLarge(headers);
      if (body === "aborted") return errorResponse(400, "400: the request body was cut off.", headers);
      const deadline = Date.now() + this.timeoutMs;
      const ready = await host.waitReady(this.timeoutMs);
      if (ready === "timeout") return errorResponse(504, `504: the function did not start within ${formatDuration(this.timeoutMs)}.`, headers);
      if (ready === "failed") return errorResponse(503, FAILED_MESSAGE, headers);
      if (ready === "stopped") return errorResponse(503, "503: server functions of this deployment were stopped.", headers);
      if (req.signal.aborted) return errorResponse(499, "499: the client closed the request.", headers); // it left while the host started
      served.warmup = startedCold || !ready.warmFiles.has(entry.path);
      const forwarded = await forwardRequest(req, requestTarget, headers, {
        socketPath: ready.socketPath,
        agent: ready.agent,
        file: entry.path,
        client,
        body,
        traceId,
        deadline,
        timeoutMs: this.timeoutMs,
        onTimeout: () =>
          host.checkResponsive(ready, `A request to ${entry.path} ran past the ${formatDuration(this.timeoutMs)} limit and the host stopped responding; it was killed.`),
      });
      done = forwarded.done.then(() => {
        if (!ready.exited) ready.warmFiles.add(entry.path);
      });
      return forwarded.response;
    } finally {
      void done.finally(() => host.requestDone());
    }
  }

  private tooLarge(headers: Record<string, string>) {
    return errorResponse(413, `413: the request body is larger than ${formatBytes(this.maxBodyBytes)}.`, headers, { connection: "close" });
  }

  private hostFor(bundle: FunctionBundle): Host {
    const fingerprint = fingerprintOf(bundle);
    let host = this.hosts.get(bundle.deploymentId);
    if (host && host.fingerprint !== fingerprint) {
      host.retire(this.timeoutMs + KILL_GRACE_MS);
      host = undefined;
    }
    if (!host || host.state === "stopped" || host.isStopping) {
      host = new Host(this.cfg, { ...bundle, files: [...bundle.files], env: { ...bundle.env } }, fingerprint);
      this.hosts.set(bundle.deploymentId, host);
      this.all.add(host);
      this.startTicking();
      host.start();
    }
    return host;
  }

  private materialize(bundle: FunctionBundle): Promise<string> {
    const key = bundle.bundleDigest;
    let promise = this.materializing.get(key);
    if (!promise) {
      promise = materializeFunctions(this.source, this.workDir, bundle.bundleDigest, bundle.files);
      this.materializing.set(key, promise);
      // Remember successes only: a failed attempt (store down) is retried next time.
      promise.catch(() => this.materializing.delete(key));
    }
    return promise;
  }

  private startTicking() {
    if (this.tick || this.closed) return;
    this.tick = setInterval(() => void this.onTick(), Math.max(20, Math.min(TICK_MS, this.idleStopMs / 2)));
    this.tick.unref();
  }

  private async onTick() {
    this.sweep();
    if (this.ticking) return;
    this.ticking = true;
    try {
      await Promise.all(
        [...this.all].flatMap((host) =>
          host.liveProcesses().map(async (proc) => {
            const rssKb = await proc.residentKb();
            if (rssKb !== null && rssKb > this.maxRssKb && !proc.exited) {
              host.kill(proc, `The function host used more than ${formatBytes(this.maxRssKb * 1024)} of memory; it was killed.`);
            }
          }),
        ),
      );
    } finally {
      this.ticking = false;
    }
  }

  private sweep() {
    const now = Date.now();
    for (const host of this.all) {
      if (host.state === "stopped" && host.liveProcesses().length === 0 && this.hosts.get(host.deploymentId) !== host) {
        this.all.delete(host);
        continue;
      }
      if (host.state === "stopped" || host.isStopping) continue;
      if (this.routable === null || this.routable.has(host.deploymentId)) continue;
      if (host.inflight === 0 && now - host.lastActive >= this.idleStopMs) void host.stop();
    }
  }
}

function positive(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!(value > 0) || !Number.isFinite(value)) throw new RangeError(`${name} must be a positive number.`);
  return value;
}

function nonNegative(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!(value >= 0) || !Number.isFinite(value)) throw new RangeError(`${name} must be a non-negative number.`);
  return value;
}

function fingerprintOf(bundle: FunctionBundle): string {
  const files = bundle.files.map((f) => `${f.path}\0${f.sha256}`).sort();
  const env = Object.entries(bundle.env).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return createHash("sha256").update(JSON.stringify([bundle.bundleDigest, files, env, bundle.sandboxId, bundle.egressAllow])).digest("hex");
}
