// Visitors of the trials' app: loops that request its paths through the
// router without pause, some on one keep-alive connection each, some on a
// fresh connection per request, recording every answer (status, the
// deployment and SHA headers, sha256 of the body) or the connection error.
import { createHash } from "node:crypto";
import http from "node:http";
import { sleep } from "@/bench/lib/proc";

export type Answer = {
  /** Wall-clock ms when the request was sent and when the answer ended. */
  sent: number;
  done: number;
  path: string;
  keepAlive: boolean;
  /** 0: no HTTP answer (see error). */
  status: number;
  deployment?: string;
  sha?: string;
  bodySha256?: string;
  error?: string;
};

const KEEP_ALIVE_LOOPS = 2;
const FRESH_LOOPS = 2;
// A breath between requests: the trials measure correctness, not throughput,
// and the builds share the machine's two cores with the router.
const PAUSE_MS = 5;
const REQUEST_TIMEOUT_MS = 10_000;

export class Traffic {
  private answers: Answer[] = [];
  private stopped = true;
  private loops: Promise<void>[] = [];
  private agents: http.Agent[] = [];

  constructor(
    private readonly port: number,
    private readonly host: string,
    private readonly paths: string[],
  ) {}

  start() {
    this.stopped = false;
    this.agents = Array.from({ length: KEEP_ALIVE_LOOPS }, () => new http.Agent({ keepAlive: true, maxSockets: 1 }));
    this.loops = [...this.agents.map((a, k) => this.loop(k, a)), ...Array.from({ length: FRESH_LOOPS }, (_, k) => this.loop(KEEP_ALIVE_LOOPS + k, false))];
  }

  async stop() {
    this.stopped = true;
    await Promise.all(this.loops);
    for (const a of this.agents) a.destroy();
  }

  /** The answers recorded since the last call. */
  take(): Answer[] {
    const out = this.answers;
    this.answers = [];
    return out;
  }

  private async loop(k: number, agent: http.Agent | false) {
    for (let i = k; !this.stopped; i++) {
      const answer = await this.once(this.paths[i % this.paths.length], agent);
      this.answers.push(answer);
      // After an error, do not spin against a router that is down.
      await sleep(answer.status === 0 ? 20 : PAUSE_MS);
    }
  }

  private once(urlPath: string, agent: http.Agent | false): Promise<Answer> {
    const sent = Date.now();
    const base = { sent, path: urlPath, keepAlive: agent !== false };
    return new Promise((resolve) => {
      const fail = (e: Error) => resolve({ ...base, done: Date.now(), status: 0, error: (e as NodeJS.ErrnoException).code ?? e.message });
      const req = http.request({ host: "127.0.0.1", port: this.port, path: urlPath, headers: { host: this.host }, agent, timeout: REQUEST_TIMEOUT_MS }, (res) => {
        const hash = createHash("sha256");
        res.on("data", (c: Buffer) => hash.update(c));
        res.on("error", fail);
        res.on("aborted", () => fail(new Error("aborted mid-body")));
        res.on("end", () => {
          if (!res.complete) return fail(new Error("incomplete body"));
          resolve({
            ...base,
            done: Date.now(),
            status: res.statusCode ?? 0,
            deployment: header(res.headers["x-slipway-deployment"]),
            sha: header(res.headers["x-slipway-sha"]),
            bodySha256: hash.digest("hex"),
          });
        });
      });
      req.on("timeout", () => req.destroy(new Error("timeout")));
      req.on("error", fail);
      req.end();
    });
  }
}

const header = (v: string | string[] | undefined) => (Array.isArray(v) ? v.join(",") : v);
