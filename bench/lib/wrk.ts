// wrk (HTTP load generator): runs it, and reads its `--latency` report.
import { ensurePrograms, type Group, spawnGroup } from "@/bench/lib/proc";

export type WrkResult = {
  requests: number;
  requestsPerSec: number;
  /** Latency percentiles in milliseconds, from the --latency distribution. */
  p50Ms: number;
  p99Ms: number;
  non2xx3xx: number;
  socketErrors: { connect: number; read: number; write: number; timeout: number };
  raw: string;
};

export type WrkOptions = {
  url: string;
  threads: number;
  connections: number;
  seconds: number;
  headers?: Record<string, string>;
  /** A wrk Lua script, and the arguments its init() receives. */
  script?: { file: string; args?: string[] };
};

let wrkPath: string | undefined;

/** The wrk binary, installed from Debian's packages when missing. */
export function ensureWrk(): string {
  return (wrkPath ??= ensurePrograms([{ program: "wrk", aptPackage: "wrk" }]).wrk);
}

const UNIT_MS: Record<string, number> = { us: 0.001, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** "1.23ms" → 1.23, "850.00us" → 0.85. */
export function parseDuration(text: string): number {
  const m = /^([\d.]+)(us|ms|s|m|h)$/.exec(text.trim());
  if (!m) throw new Error(`unrecognised wrk duration "${text}"`);
  return Number(m[1]) * UNIT_MS[m[2]];
}

export function parseWrk(raw: string): WrkResult {
  const rps = /^Requests\/sec:\s+([\d.]+)/m.exec(raw);
  const p50 = /^\s+50%\s+(\S+)/m.exec(raw);
  const p99 = /^\s+99%\s+(\S+)/m.exec(raw);
  const total = /^\s+(\d+) requests in /m.exec(raw);
  if (!rps || !p50 || !p99 || !total) throw new Error(`could not read wrk's report:\n${raw}`);
  const non = /Non-2xx or 3xx responses:\s+(\d+)/.exec(raw);
  const sock = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(raw);
  return {
    requests: Number(total[1]),
    requestsPerSec: Number(rps[1]),
    p50Ms: parseDuration(p50[1]),
    p99Ms: parseDuration(p99[1]),
    non2xx3xx: non ? Number(non[1]) : 0,
    socketErrors: sock
      ? { connect: Number(sock[1]), read: Number(sock[2]), write: Number(sock[3]), timeout: Number(sock[4]) }
      : { connect: 0, read: 0, write: 0, timeout: 0 },
    raw,
  };
}

function wrkArgs(o: WrkOptions): string[] {
  const args = ["-t", String(o.threads), "-c", String(o.connections), "-d", `${o.seconds}s`, "--latency", "--timeout", "10s"];
  for (const [k, v] of Object.entries(o.headers ?? {})) args.push("-H", `${k}: ${v}`);
  if (o.script) args.push("-s", o.script.file);
  return [...args, o.url, ...(o.script?.args?.length ? ["--", ...o.script.args] : [])];
}

/** One wrk run to its end. */
export async function runWrk(o: WrkOptions): Promise<WrkResult> {
  const g = spawnGroup(ensureWrk(), wrkArgs(o));
  const { code } = await g.exited;
  if (code !== 0) throw new Error(`wrk exited with code ${code}:\n${g.output()}`);
  return parseWrk(g.output());
}

/** wrk in the background for up to `seconds`; finish() interrupts it (SIGINT: wrk then prints its report). */
export function startWrk(o: WrkOptions): { group: Group; finish: () => Promise<WrkResult | null> } {
  const group = spawnGroup(ensureWrk(), wrkArgs(o));
  return {
    group,
    async finish() {
      await group.stop("SIGINT", 3000);
      try {
        return parseWrk(group.output());
      } catch {
        return null;
      }
    },
  };
}
