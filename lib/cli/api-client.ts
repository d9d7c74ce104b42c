import type { ManifestDiff } from "@/lib/bundles/diff-manifests";
import { ApiError, CliError, NetworkError } from "@/lib/cli/errors";
import type { AppliedChange } from "@/lib/env-vars/apply-mutable-changes";
import type { EnvironmentName, EnvVarView } from "@/lib/env-vars/env-rules";
import type { EnvChangePreview } from "@/lib/env-vars/plan-env-changes";

// The console's REST API as the CLI sees it: Bearer-token requests, JSON
// answers, and every failure turned into one readable line. The token goes in
// the Authorization header only and never into a message.

export type StageStatus = "running" | "succeeded" | "failed" | "skipped" | "canceled";
export type DeploymentStatus = "queued" | "building" | "built" | "uploading" | "canary" | "live" | "superseded" | "failed" | "canceled";

export type Me = { user: { id?: string; email: string; name: string }; teams: { id: string; name: string; slug: string; role: string }[] };

export type DeploymentSummary = {
  id: string;
  status: DeploymentStatus;
  commitSha: string;
  environment: string;
  branch: string;
  failureStage?: string | null;
  failureReason?: string | null;
};

export type Stage = { name: string; status: StageStatus; detail: string | null; startedAt: string | null; finishedAt: string | null };

export type DeploymentView = {
  deployment: DeploymentSummary & { project?: { slug: string; name: string }; bundle?: { fileCount: number; totalBytes: number } | null; url?: string };
  stages: Stage[];
  events?: { toStatus: string; reason: string | null }[];
};

// GET /api/deployments/:id/promote: what promoting it would change.
export type PromoteSide = DeploymentSummary & { createdAt: string; bundle: { fileCount: number; totalBytes: number } | null };
export type PromotePreview = {
  project: { slug: string; name: string };
  target: PromoteSide;
  live: PromoteSide | null;
  route: { name: string };
  allowed: boolean;
  reason: string | null;
  diff: ManifestDiff | null;
  runtimeEnv: string;
  // Keys whose value a new deploy would get differently (absent from older consoles).
  variables?: { added: string[]; removed: string[]; changed: string[] } | null;
  // Migrations applied to its environment since it was built (absent from older consoles).
  migrations?: { name: string; appliedAt: string }[];
};

// GET /api/projects/:slug/env: a sensitive variable's value is never sent (null).
export type EnvTargetName = EnvironmentName;
export type { EnvVarView };
export type EnvSetChange = { op: "set"; key: string; value: string; targets: EnvTargetName[]; branch: string | null; sensitive?: boolean; mutable?: boolean };
export type { EnvChangePreview };

export type LogLine = { seq: number; stream: "stdout" | "stderr" | "system"; text: string; at: string };
export type LogPage = { lines: LogLine[]; lastSeq: number; done: boolean; status: DeploymentStatus };

type RequestOptions = {
  query?: Record<string, string | number | undefined>;
  body?: ReadableStream<Uint8Array>;
  json?: unknown;
  headers?: Record<string, string>;
  signal?: AbortSignal;
};

export class ApiClient {
  constructor(
    readonly url: string,
    private readonly token: string,
    private readonly fetchImpl: typeof fetch = fetch,
  ) {}

  me(signal?: AbortSignal) {
    return this.request<Me>("GET", "/api/me", { signal });
  }

  project(slug: string, signal?: AbortSignal) {
    return this.request<{ project: { id: string; slug: string; name: string }; role: string }>("GET", `/api/projects/${encodeURIComponent(slug)}`, { signal });
  }

  uploadDeployment(
    slug: string,
    archive: { body: ReadableStream<Uint8Array>; bytes: number },
    query: { environment?: string; branch?: string; message?: string; expiresIn?: string; debug?: string },
    signal?: AbortSignal,
  ) {
    return this.request<{ deployment: DeploymentSummary }>("POST", `/api/projects/${encodeURIComponent(slug)}/deployments`, {
      query,
      body: archive.body,
      headers: { "content-type": "application/gzip", "content-length": String(archive.bytes) },
      signal,
    });
  }

  deployment(id: string, signal?: AbortSignal) {
    return this.request<DeploymentView>("GET", `/api/deployments/${encodeURIComponent(id)}`, { signal });
  }

  logs(id: string, after: number, limit: number, signal?: AbortSignal) {
    return this.request<LogPage>("GET", `/api/deployments/${encodeURIComponent(id)}/logs`, { query: { after, limit }, signal });
  }

  promotePreview(id: string, signal?: AbortSignal) {
    return this.request<PromotePreview>("GET", `/api/deployments/${encodeURIComponent(id)}/promote`, { signal });
  }

  promote(id: string, opts: { confirmMigrations?: boolean } = {}, signal?: AbortSignal) {
    return this.request<{ deployment: DeploymentSummary }>("POST", `/api/deployments/${encodeURIComponent(id)}/promote`, {
      json: opts.confirmMigrations ? { confirmMigrations: true } : undefined,
      signal,
    });
  }

  envVars(slug: string, signal?: AbortSignal) {
    return this.request<{ variables: EnvVarView[] }>("GET", `/api/projects/${encodeURIComponent(slug)}/env`, { signal });
  }

  // dryRun: the server works out what would change and writes nothing.
  changeEnv(slug: string, body: { changes: EnvSetChange[]; dryRun?: boolean }, signal?: AbortSignal) {
    // `applied` is absent from older consoles.
    return this.request<{ preview: EnvChangePreview[]; applied?: AppliedChange[] }>("POST", `/api/projects/${encodeURIComponent(slug)}/env`, { json: body, signal });
  }

  async request<T>(method: string, pathname: string, opts: RequestOptions = {}): Promise<T> {
    const target = new URL(this.url + pathname);
    for (const [k, v] of Object.entries(opts.query ?? {})) if (v !== undefined) target.searchParams.set(k, String(v));
    let res: Response;
    try {
      const json = opts.json === undefined ? {} : { "content-type": "application/json" };
      res = await this.fetchImpl(target, {
        method,
        headers: { accept: "application/json", authorization: `Bearer ${this.token}`, ...json, ...opts.headers },
        body: opts.json === undefined ? opts.body : JSON.stringify(opts.json),
        signal: opts.signal,
        // A streamed request body must say so (Node's fetch refuses it otherwise).
        ...(opts.body ? { duplex: "half" } : {}),
      } as RequestInit);
    } catch (e) {
      if (opts.signal?.aborted) throw e;
      throw new NetworkError(this.url, networkReason(e));
    }
    const text = await res.text().catch((e) => {
      if (opts.signal?.aborted) throw e;
      throw new NetworkError(this.url, networkReason(e));
    });
    const json = parseJson(text);
    if (!res.ok) {
      const error = (json as { error?: { code?: unknown; message?: unknown; details?: unknown } } | undefined)?.error;
      if (error && typeof error.message === "string") {
        throw new ApiError(res.status, typeof error.code === "string" ? error.code : `http_${res.status}`, error.message, error.details);
      }
      throw new ApiError(res.status, `http_${res.status}`, `${method} ${pathname} answered ${res.status} ${res.statusText}. Is ${this.url} a Slipway console?`);
    }
    if (json === undefined) throw new CliError(`${method} ${pathname} did not answer with JSON. Is ${this.url} a Slipway console?`);
    return json as T;
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

// fetch() says only "fetch failed"; the useful part (ECONNREFUSED, ENOTFOUND,
// a TLS problem) is in the cause.
export function networkReason(e: unknown): string {
  let cause: unknown = e;
  for (let i = 0; i < 4 && cause instanceof Error && cause.cause; i++) cause = cause.cause;
  if (cause instanceof AggregateError && cause.errors.length) cause = cause.errors[0];
  const err = cause as { code?: string; message?: string };
  const known: Record<string, string> = {
    ECONNREFUSED: "connection refused",
    ENOTFOUND: "host not found",
    EAI_AGAIN: "host name lookup failed",
    ECONNRESET: "connection reset",
    ETIMEDOUT: "connection timed out",
    UND_ERR_CONNECT_TIMEOUT: "connection timed out",
    UND_ERR_SOCKET: "connection closed",
    EPIPE: "connection closed",
  };
  if (err?.code && known[err.code]) return `${known[err.code]} (${err.code})`;
  return err?.message || String(e);
}
