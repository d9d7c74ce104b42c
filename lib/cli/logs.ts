import { setTimeout as sleep } from "node:timers/promises";
import { parseArgs } from "node:util";
import type { z } from "zod";
import { ApiClient } from "@/lib/cli/api-client";
import { type ConnectionFlags, describeParseError, type Help, UUID } from "@/lib/cli/args";
import { loadConnection } from "@/lib/cli/config";
import { ApiError, CliError, NetworkError, UsageError } from "@/lib/cli/errors";
import { type Paint, paint } from "@/lib/cli/format";
import type { Io } from "@/lib/cli/io";
import { USAGE } from "@/lib/cli/usage";
import { type TraceView, traceSchema } from "@/lib/logs/get-trace";
import { type LogLineView, type LogPage, logFilters, logPageSchema, parseTime } from "@/lib/logs/list-logs";
import { formatBytes, shortSha } from "@/lib/ui/format";

// slipway logs <deploymentId|project>: the runtime log lines (requests and
// what the code printed) of one deployment or of a whole project, the most
// recent first fetched and printed oldest first; with --follow, then the new
// ones as they come, until Ctrl-C. With --trace <id>, one trace of a project.

type Filters = z.input<typeof logFilters>;
export type LogScope = { deploymentId: string } | { slug: string };
export type LogsArgs = ConnectionFlags & {
  help: false;
  scope: LogScope;
  filters: Filters;
  limit: number;
  follow: boolean;
  json: boolean;
  /** Print this trace of the project instead (lib/logs/get-trace.ts). */
  trace?: string;
};
type LogQuery = Filters & { after?: string; limit: number };

const SOURCES = logFilters.shape.source.unwrap().options;
const STATUSES = logFilters.shape.status.unwrap().options;
const MAX_LIMIT = 1000;
const DEFAULT_LIMIT = 100;
const POLL_MS = 1000;
// The page a follower asks for: a full one means more are waiting.
export const FOLLOW_PAGE = MAX_LIMIT;


const OPTIONS = {
  help: { type: "boolean", short: "h" },
  url: { type: "string" },
  token: { type: "string" },
  follow: { type: "boolean", short: "f" },
  since: { type: "string" },
  until: { type: "string" },
  status: { type: "string" },
  source: { type: "string" },
  path: { type: "string" },
  text: { type: "string" },
  limit: { type: "string", short: "n" },
  json: { type: "boolean" },
  trace: { type: "string" },
} as const;

export function parseLogsArgs(argv: string[]): LogsArgs | Help {
  const usage = (message: string) => new UsageError(message, "logs");
  let parsed: { values: Partial<Record<keyof typeof OPTIONS, string | boolean>>; positionals: string[] };
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (e) {
    throw usage(describeParseError(e));
  }
  const { values, positionals } = parsed;
  if (values.help) return { help: true };
  if (positionals.length > 1) throw usage(`Unexpected argument${positionals.length > 2 ? "s" : ""}: ${positionals.slice(1).map((p) => JSON.stringify(p)).join(" ")}.`);
  const str = (name: keyof typeof OPTIONS) => {
    const v = values[name];
    if (typeof v !== "string") return undefined;
    if (v.trim() === "") throw usage(`--${name} must not be empty.`);
    return v.trim();
  };

  const target = positionals[0]?.trim();
  if (!target) throw usage("Missing the deployment id or project slug: whose logs, e.g. `slipway logs my-app`.");
  const scope: LogScope = UUID.test(target) /* anything else is a project slug */ ? { deploymentId: target.toLowerCase() } : { slug: target };

  const trace = str("trace");
  if (trace !== undefined) {
    if (!/^[0-9a-fA-F]{32}$/.test(trace)) throw usage(`--trace must be a trace id (32 hex digits), not "${trace}".`);
    if ("deploymentId" in scope) throw usage("--trace needs the project's slug (a trace belongs to a project), not a deployment id.");
    const others = (["follow", "since", "until", "status", "source", "path", "text", "limit"] as const).filter((name) => values[name] !== undefined);
    if (others.length > 0) throw usage(`--trace prints one whole trace: it takes no ${others.map((name) => `--${name}`).join(", ")}.`);
  }
  const status = str("status")?.toLowerCase();
  if (status !== undefined && !(STATUSES as readonly string[]).includes(status)) {
    throw usage(`--status must be ${list(STATUSES, "or")} (a class of codes), not "${values.status}".`);
  }
  const source = str("source");
  if (source !== undefined && !(SOURCES as readonly string[]).includes(source)) {
    throw usage(`--source must be ${list(SOURCES, "or")}, not "${source}".`);
  }
  const limitText = str("limit");
  const limit = limitText === undefined ? DEFAULT_LIMIT : /^\d{1,4}$/.test(limitText) ? Number(limitText) : NaN;
  if (!(limit >= 1 && limit <= MAX_LIMIT)) throw usage(`--limit must be a whole number from 1 to ${MAX_LIMIT}, not "${limitText}".`);

  const filters: Filters = { source: source as Filters["source"], status: status as Filters["status"], path: str("path"), text: str("text"), since: str("since"), until: str("until") };
  // The rest is checked as the console checks it (parseTime for the times), with its words.
  for (const name of ["path", "text", "since", "until"] as const) {
    const value = filters[name];
    const issue = value === undefined ? undefined : logFilters.shape[name].safeParse(value).error?.issues[0];
    if (issue) throw usage(`--${name} ${issue.message}, not "${value}".`);
  }
  const since = filters.since === undefined ? null : parseTime(filters.since);
  const until = filters.until === undefined ? null : parseTime(filters.until);
  if (since && until && since > until) throw usage(`--since ${filters.since} is after --until ${filters.until}: no line can match.`);
  if ((status || filters.path) && source && source !== "request") {
    throw usage(`--${status ? "status" : "path"} matches request lines only, and --source ${source} has none.`);
  }
  return {
    help: false,
    scope,
    filters,
    limit,
    follow: values.follow === true,
    json: values.json === true,
    ...(trace !== undefined ? { trace: trace.toLowerCase() } : {}),
    url: str("url"),
    token: str("token"),
  };
}

export async function logs(argv: string[], io: Io, deps: { fetch?: typeof fetch; pollMs?: number } = {}): Promise<number> {
  const args = parseLogsArgs(argv);
  if (args.help) {
    io.out(USAGE.logs);
    return 0;
  }
  const { url, token } = await loadConnection(args, io.env);
  io.addSecret(token);
  const client = new ApiClient(url, token, deps.fetch);
  const page = (query: LogQuery, signal?: AbortSignal) => fetchLogPage(client, args.scope, query, signal);
  const out = paint(io.color.out);
  const print = (lines: LogLineView[]) => {
    for (const line of lines) io.out(args.json ? JSON.stringify(line) : formatRuntimeLogLine(line, out));
  };

  if (args.trace !== undefined && "slug" in args.scope) {
    print((await fetchTrace(client, args.scope.slug, args.trace)).lines);
    return 0;
  }

  const controller = new AbortController();
  const { signal } = controller;
  // Without --follow, Ctrl-C ends the process as usual.
  const stopListening = args.follow ? io.onInterrupt(() => controller.abort()) : () => {};
  try {
    const first = await page({ ...args.filters, limit: args.limit }, signal);
    // A plain page is newest first; a log reads oldest first.
    print([...first.lines].reverse());
    if (!args.follow) return 0;
    // No matching line yet: every one that comes has an id above 0.
    await followLogs({ page: (q, s) => page({ ...args.filters, ...q }, s), after: first.lastId ?? "0", print, io, signal, intervalMs: deps.pollMs ?? POLL_MS });
    return 0;
  } catch (e) {
    // Ctrl-C is how following ends: not a failure.
    if (signal.aborted) return 0;
    throw e;
  } finally {
    stopListening();
  }
}

export async function fetchLogPage(client: Pick<ApiClient, "request" | "url">, scope: LogScope, query: LogQuery, signal?: AbortSignal): Promise<LogPage> {
  const pathname =
    "slug" in scope ? `/api/projects/${encodeURIComponent(scope.slug)}/logs` : `/api/deployments/${encodeURIComponent(scope.deploymentId)}/runtime-logs`;
  const answer = await client.request<unknown>("GET", pathname, { query, signal });
  const parsed = logPageSchema.safeParse(answer);
  if (!parsed.success) throw new CliError(`GET ${pathname} did not answer with log lines. Is ${client.url} a Slipway console with runtime logs?`);
  return parsed.data;
}

export async function fetchTrace(client: Pick<ApiClient, "request" | "url">, slug: string, traceId: string): Promise<TraceView> {
  const pathname = `/api/projects/${encodeURIComponent(slug)}/traces/${traceId}`;
  const parsed = traceSchema.safeParse(await client.request<unknown>("GET", pathname));
  if (!parsed.success) throw new CliError(`GET ${pathname} did not answer with a trace. Is ${client.url} a Slipway console with runtime logs?`);
  return parsed.data;
}

export type FollowLogsOptions = {
  /** One forward page: the matching lines with an id above `after`, oldest first. */
  page: (query: { after: string; limit: number }, signal: AbortSignal) => Promise<LogPage>;
  /** The newest line already printed (or "0"). */
  after: string;
  print: (lines: LogLineView[]) => void;
  io: Io;
  signal: AbortSignal;
  intervalMs?: number;
};

// Polls for the lines after the last one printed and prints them, until
// `signal` fires (then rejects with its AbortError). A console restarting or
// a network blip is reported once on stderr and retried; a refusal (401, 403,
// 404) rejects with the API's error.
export async function followLogs(opts: FollowLogsOptions): Promise<never> {
  const { io, signal } = opts;
  const err = paint(io.color.err);
  let after = opts.after;
  let failing: string | null = null;
  for (;;) {
    signal.throwIfAborted();
    let more = false;
    try {
      const page = await opts.page({ after, limit: FOLLOW_PAGE }, signal);
      if (failing !== null) io.err(err.dim("… resumed"));
      failing = null;
      opts.print(page.lines);
      more = page.lines.length >= FOLLOW_PAGE;
      // With more waiting, `lastId` is the newest match of all, past lines not
      // yet fetched: go on from the last one printed instead, so none is skipped.
      // Otherwise the two are the same (or, with no new line, `after` itself).
      after = more ? page.lines[page.lines.length - 1].id : (page.lastId ?? after);
    } catch (e) {
      if (signal.aborted || !isTransient(e)) throw e;
      const message = (e as Error).message.replace(/\.$/, "");
      if (message !== failing) io.err(err.yellow(`… ${message}; retrying`));
      failing = message;
    }
    if (!more) await sleep(opts.intervalMs ?? POLL_MS, undefined, { signal });
  }
}

// Worth retrying: the console restarting or a network blip, not a refusal.
const isTransient = (e: unknown) => e instanceof NetworkError || (e instanceof ApiError && (e.status >= 500 || e.status === 429));

const TAG_WIDTH = 6;

// One line: time, SHA, source, then the request as an access log reads it, or
// the text as the code printed it.
export function formatRuntimeLogLine(line: LogLineView, p: Paint = paint(false)): string {
  const head = `${p.dim(line.at)} ${p.dim(shortSha(line.sha))} `;
  if (line.source === "request") {
    const status = line.status === null ? null : line.status >= 500 ? p.red(String(line.status)) : line.status >= 400 ? p.yellow(String(line.status)) : String(line.status);
    const parts = [
      line.method,
      line.path === null ? null : visible(line.path),
      status,
      line.durationMs === null ? null : `${line.durationMs.toFixed(1)}ms`,
      line.bytes === null ? null : formatBytes(line.bytes),
      line.arm === null ? null : `[${line.arm}]`,
      line.instance,
    ];
    return `${head}${"req".padEnd(TAG_WIDTH)} ${parts.filter((s) => s !== null && s !== "").join(" ")}`;
  }
  const rest = `${line.source.padEnd(TAG_WIDTH)} ${visible(line.text)}`;
  return head + (line.source === "stderr" ? p.red(rest) : rest);
}

// An app may print what its visitors sent: control characters (a terminal's
// escape sequences, a carriage return that hides the line) are shown, not obeyed.
const visible = (s: string) => s.replace(/[\x00-\x08\x0a-\x1f\x7f-\x9f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`);

const list = (items: readonly string[], last: string) => `${items.slice(0, -1).join(", ")} ${last} ${items[items.length - 1]}`;

// node:util's messages are long and quote flags oddly; say it in one line (as args.ts does).
