import * as acme from "acme-client";
import axios, { type AxiosResponse, type InternalAxiosRequestConfig } from "axios";

// A CA's "rate limited" answer (RFC 8555 6.6: HTTP 429 or a problem of type
// rateLimited, with Retry-After). acme-client retries a 429 by itself after
// sleeping for its Retry-After, five times over: with Let's Encrypt's limits
// (hours to a week) that would hold a worker's job for hours, past the lease
// of the certificate row it works on. So its HTTP adapter is wrapped (once per
// process): such an answer becomes an AcmeRateLimited error before acme-client
// sees it, and the pass schedules the next attempt after the CA's Retry-After.

export class AcmeRateLimited extends Error {
  constructor(
    message: string,
    /** The CA's Retry-After, in milliseconds from now; null when it named none. */
    readonly retryAfterMs: number | null,
  ) {
    super(message);
    this.name = "AcmeRateLimited";
  }
}

const RATE_LIMITED = "urn:ietf:params:acme:error:rateLimited";
const MAX_RETRY_AFTER_MS = 8 * 24 * 3600_000;
// IMF-fixdate, "Tue, 08 Dec 2026 01:00:00 GMT" (what CAs send; Date.parse alone would take "-5" for a year).
const HTTP_DATE = /^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT$/;

/** Retry-After as seconds or an HTTP date (RFC 9110 10.2.3), in ms from `now`; null if absent or unreadable. */
export function retryAfterMs(value: unknown, now = Date.now()): number | null {
  if (typeof value !== "string" || value.trim() === "") return null;
  const v = value.trim();
  const ms = /^\d{1,10}$/.test(v) ? Number(v) * 1000 : HTTP_DATE.test(v) ? Date.parse(v) - now : NaN;
  return Number.isFinite(ms) ? Math.min(Math.max(ms, 0), MAX_RETRY_AFTER_MS) : null;
}

// The problem document of an error answer (still a string or buffer at the adapter).
function problemOf(res: AxiosResponse): { type?: unknown; detail?: unknown } | null {
  if (res.status < 400) return null;
  try {
    const data: unknown = typeof res.data === "string" || Buffer.isBuffer(res.data) ? JSON.parse(res.data.toString()) : res.data;
    return data && typeof data === "object" ? (data as { type?: unknown; detail?: unknown }) : null;
  } catch {
    return null;
  }
}

let installed = false;
export function guardAgainstRateLimitSleeps(): void {
  if (installed) return;
  installed = true;
  const base = axios.getAdapter(acme.axios.defaults.adapter);
  const check = (res: AxiosResponse | undefined) => {
    if (!res) return;
    const problem = problemOf(res);
    if (res.status !== 429 && problem?.type !== RATE_LIMITED) return;
    const detail = typeof problem?.detail === "string" && problem.detail ? problem.detail : `The CA answered HTTP ${res.status}: rate limited.`;
    throw new AcmeRateLimited(detail, retryAfterMs(res.headers["retry-after"]));
  };
  // acme-client has every answer rejected by the adapter (its validateStatus is false) and sorts them out in its interceptor.
  acme.axios.defaults.adapter = async (config: InternalAxiosRequestConfig) => {
    let res: AxiosResponse;
    try {
      res = await base(config);
    } catch (e) {
      check((e as { response?: AxiosResponse }).response);
      throw e;
    }
    check(res);
    return res;
  };
}
