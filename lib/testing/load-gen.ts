import http from "node:http";

// An open-loop HTTP load generator: requests leave at a fixed rate whatever the
// server's latency (a closed loop would slow down with a slow server and hide
// it), over a keep-alive agent, without cookies (so a router that assigns
// visitors to cohorts by cookie sees every request as a new visitor). It keeps
// counts, not requests: statuses and latencies, the latter also by the first
// line of each body (e.g. the version that answered), since the last take(). Free of vitest, so
// benches can use it.

export type LoadGenOptions = {
  port: number;
  /** The Host header. */
  host: string;
  path: string;
  /** Requests per second; setRate() changes it. */
  rate: number;
  /** Connections at most; more requests in flight than this wait in the agent. Default 256. */
  maxSockets?: number;
  /** Requests in flight beyond which new ones are not sent but counted as skipped (the server is far behind). Default 4096. */
  maxInFlight?: number;
  /** A request without an answer after this long counts as status 0. Default 15 s. */
  timeoutMs?: number;
};

export type LoadWindow = {
  seconds: number;
  sent: number;
  done: number;
  skipped: number;
  /** Status → count; 0 for connection errors and timeouts. */
  statuses: Record<number, number>;
  /** Latency (ms) of every answered request, by the first line of its body (at most 64 characters; e.g. the version that answered). */
  byBody: Record<string, number[]>;
  latenciesMs: number[];
};

export type LoadGen = {
  setRate: (rate: number) => void;
  /** Counts since the previous take() (or the start), and starts a new window. */
  take: () => LoadWindow;
  inFlight: () => number;
  /** Stops sending, waits for the requests in flight, returns the last window. */
  stop: () => Promise<LoadWindow>;
};

const TICK_MS = 2;

export function startLoad(opts: LoadGenOptions): LoadGen {
  const agent = new http.Agent({ keepAlive: true, maxSockets: opts.maxSockets ?? 256 });
  const maxInFlight = opts.maxInFlight ?? 4096;
  const timeoutMs = opts.timeoutMs ?? 15_000;
  let rate = opts.rate;
  // Sending is scheduled from an origin: request k leaves at origin + k / rate.
  let origin = performance.now();
  let scheduled = 0;
  let inFlight = 0;
  let stopped = false;
  let idle: (() => void) | null = null;
  const fresh = (): LoadWindow => ({ seconds: 0, sent: 0, done: 0, skipped: 0, statuses: {}, byBody: {}, latenciesMs: [] });
  let win = fresh();
  let winStart = performance.now();

  const finish = (w: LoadWindow, t0: number, status: number, body: string) => {
    inFlight--;
    w.done++;
    w.statuses[status] = (w.statuses[status] ?? 0) + 1;
    const ms = performance.now() - t0;
    w.latenciesMs.push(ms);
    if (body) (w.byBody[body] ??= []).push(ms);
    if (stopped && inFlight === 0) idle?.();
  };

  const send = () => {
    if (inFlight >= maxInFlight) {
      win.skipped++;
      return;
    }
    // Counted in the window it was sent in, so a window's statuses match its sends.
    const w = win;
    w.sent++;
    inFlight++;
    const t0 = performance.now();
    let settled = false;
    const settle = (status: number, body: string) => {
      if (settled) return;
      settled = true;
      finish(w, t0, status, body);
    };
    const req = http.request({ host: "127.0.0.1", port: opts.port, path: opts.path, agent, headers: { host: opts.host }, timeout: timeoutMs }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => {
        if (text.length < 64) text += c;
      });
      res.on("end", () => settle(res.statusCode ?? 0, text.split("\n")[0].slice(0, 64)));
      res.on("error", () => settle(0, ""));
    });
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.on("error", () => settle(0, ""));
    req.end();
  };

  const timer = setInterval(() => {
    const due = Math.floor(((performance.now() - origin) * rate) / 1000);
    for (; scheduled < due; scheduled++) send();
  }, TICK_MS);

  const take = () => {
    const now = performance.now();
    const w = win;
    w.seconds = (now - winStart) / 1000;
    win = fresh();
    winStart = now;
    return w;
  };

  return {
    setRate: (r) => {
      rate = r;
      origin = performance.now();
      scheduled = 0;
    },
    take,
    inFlight: () => inFlight,
    stop: async () => {
      stopped = true;
      clearInterval(timer);
      if (inFlight > 0) await new Promise<void>((r) => (idle = r));
      agent.destroy();
      return take();
    },
  };
}
