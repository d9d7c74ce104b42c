// The Logs page's filters as they sit in its URL, so a filtered view can be
// shared or bookmarked (the canary chart and the deployment page link here).
export const LOG_FILTER_KEYS = ["deployment", "source", "status", "path", "text", "since", "until"] as const;
export type LogFilters = Partial<Record<(typeof LOG_FILTER_KEYS)[number], string>>;

type SearchParams = Record<string, string | string[] | undefined>;

export function logFiltersFromSearchParams(sp: SearchParams): LogFilters {
  const filters: LogFilters = {};
  for (const key of LOG_FILTER_KEYS) {
    const raw = sp[key];
    const value = (Array.isArray(raw) ? raw[0] : raw)?.trim();
    if (value) filters[key] = value;
  }
  return filters;
}

export function logsHref(slug: string, filters: LogFilters): string {
  const params = new URLSearchParams();
  for (const key of LOG_FILTER_KEYS) if (filters[key]) params.set(key, filters[key]);
  const query = params.toString();
  return `/projects/${encodeURIComponent(slug)}/logs${query ? `?${query}` : ""}`;
}

// What the API takes: the deployment picks the endpoint, the rest are query parameters.
export function apiQuery(filters: LogFilters): URLSearchParams {
  const params = new URLSearchParams();
  for (const key of LOG_FILTER_KEYS) if (key !== "deployment" && filters[key]) params.set(key, filters[key]);
  return params;
}
