"use client";

import { usePathname, useSearchParams } from "next/navigation";

// The history's filters live in the page's query string, with the names the
// API takes (environment, branch, status, author, q): a filtered view is a
// link to share, and Back undoes a filter. The values are passed to the API as
// they are; it validates them and says what is wrong.
export type HistoryFilters = {
  environment: string;
  branch: string;
  // One or several; ?status=failed&status=canceled (the API also takes "failed,canceled").
  status: string[];
  author: string;
  q: string;
};

const SINGLE = ["environment", "branch", "author", "q"] as const;
export const NO_FILTERS: HistoryFilters = { environment: "", branch: "", status: [], author: "", q: "" };

export function readFilters(params: URLSearchParams): HistoryFilters {
  const status = params.getAll("status").flatMap((s) => s.split(",")).map((s) => s.trim()).filter(Boolean);
  const f = { ...NO_FILTERS, status: [...new Set(status)] };
  for (const key of SINGLE) f[key] = params.get(key)?.trim() ?? "";
  return f;
}

// The filters as a query string in one canonical order (also the cache key of the filtered history).
export function filtersQuery(f: HistoryFilters, into = new URLSearchParams()): string {
  for (const key of [...SINGLE, "status"]) into.delete(key);
  if (f.environment) into.set("environment", f.environment);
  if (f.branch) into.set("branch", f.branch);
  for (const s of f.status) into.append("status", s);
  if (f.author) into.set("author", f.author);
  if (f.q) into.set("q", f.q);
  return into.toString();
}

export const hasFilters = (f: HistoryFilters) => filtersQuery(f) !== "";

// The filters of the current URL, and a way to change them: each change is a
// history entry (Back undoes it). The native pushState, which Next.js syncs
// with useSearchParams, changes the URL at once without a server round trip;
// the page does not scroll.
export function useHistoryFilters() {
  const params = useSearchParams();
  const pathname = usePathname();
  const filters = readFilters(params);
  const go = (next: HistoryFilters) => {
    const qs = filtersQuery(next, new URLSearchParams(params.toString()));
    window.history.pushState(null, "", qs ? `${pathname}?${qs}` : pathname);
  };
  return {
    filters,
    query: filtersQuery(filters),
    set: (patch: Partial<HistoryFilters>) => go({ ...filters, ...patch }),
    clear: () => go(NO_FILTERS),
  };
}
