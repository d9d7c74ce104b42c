// The console's one way to call its own API. Failures become an ApiError
// carrying the server's code, its user-facing message and any per-field messages.
export type FieldErrors = Record<string, string>;

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly fields: FieldErrors;

  constructor(status: number, code: string, message: string, fields: FieldErrors = {}) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
    this.fields = fields;
  }
}

type ErrorBody = { error?: { code?: string; message?: string; details?: { fields?: FieldErrors } } };

type Init = { method?: string; body?: unknown; signal?: AbortSignal };

export function apiFetch<T>(path: string, init: Init = {}): Promise<T> {
  return send<T>(path, {
    method: init.method ?? "GET",
    headers: init.body === undefined ? undefined : { "content-type": "application/json" },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
    signal: init.signal,
  });
}

// The same call with a file as the raw request body (e.g. a .tar.gz source archive).
export function apiUpload<T>(path: string, file: Blob, contentType: string, init: { method?: string } = {}): Promise<T> {
  return send<T>(path, { method: init.method ?? "POST", headers: { "content-type": contentType }, body: file });
}

async function send<T>(path: string, init: RequestInit): Promise<T> {
  let res: Response;
  try {
    res = await fetch(path, { ...init, credentials: "same-origin" });
  } catch (e) {
    if (init.signal?.aborted) throw e;
    throw new ApiError(0, "network", "Could not reach Slipway. Check your connection and try again.");
  }
  const body: unknown = await res.json().catch(() => null);
  if (res.ok) return body as T;
  const error = (body as ErrorBody | null)?.error;
  throw new ApiError(
    res.status,
    error?.code ?? "internal",
    error?.message ?? `The request failed (HTTP ${res.status}). Try again.`,
    error?.details?.fields ?? {},
  );
}

export const isApiError = (e: unknown, code?: string): e is ApiError =>
  e instanceof ApiError && (code === undefined || e.code === code);
