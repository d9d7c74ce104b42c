"use client";

import { useInfiniteQuery } from "@tanstack/react-query";
import { useEffect, useRef, useState } from "react";
import type { LogLineView, LogPage } from "@/lib/logs/list-logs";
import { apiQuery, type LogFilters } from "@/components/logs/filters";
import { apiFetch } from "@/components/lib/api-fetch";
import { projectKeys } from "@/components/projects/queries";

const TAIL_EVERY_MS = 1000;
// Lines the live tail keeps above the pages (older ones are a "Load older" away).
const MAX_TAIL_LINES = 2000;

export const logKeys = {
  list: (slug: string, filters: LogFilters) => [...projectKeys.detail(slug), "logs", filters] as const,
};

const logsPath = (slug: string, filters: LogFilters, params: URLSearchParams) =>
  filters.deployment
    ? `/api/deployments/${encodeURIComponent(filters.deployment)}/runtime-logs?${params}`
    : `/api/projects/${encodeURIComponent(slug)}/logs?${params}`;

// Pages back in time, newest first.
export function useLogPages(slug: string, filters: LogFilters) {
  return useInfiniteQuery({
    queryKey: logKeys.list(slug, filters),
    initialPageParam: null as string | null,
    queryFn: ({ pageParam, signal }) => {
      const params = apiQuery(filters);
      params.set("limit", "200");
      if (pageParam) params.set("before", pageParam);
      return apiFetch<LogPage>(logsPath(slug, filters, params), { signal });
    },
    getNextPageParam: (last) => last.nextBefore,
    // The tail brings new lines; the pages themselves never change.
    staleTime: Infinity,
  });
}

// The lines that arrived after `from` (the first page's newest), newest
// first, asked for every second while `live`; paused, it keeps what it has
// and picks up where it stopped. `lag`: how far behind the newest line the
// tail is (lines waiting beyond one answer), 0 when caught up.
export function useLogTail(slug: string, filters: LogFilters, from: string | null | undefined, live: boolean) {
  const [lines, setLines] = useState<LogLineView[]>([]);
  const [error, setError] = useState<Error | null>(null);
  const cursor = useRef<string | null>(null);
  useEffect(() => {
    if (from === undefined || cursor.current !== null) return;
    cursor.current = from ?? "0";
  }, [from]);
  useEffect(() => {
    if (!live || from === undefined) return;
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const controller = new AbortController();
    const poll = async () => {
      const params = apiQuery(filters);
      params.set("after", cursor.current ?? from ?? "0");
      params.set("limit", "500");
      try {
        const page = await apiFetch<LogPage>(logsPath(slug, filters, params), { signal: controller.signal });
        if (stopped) return;
        setError(null);
        if (page.lines.length > 0) {
          cursor.current = page.lines[page.lines.length - 1].id;
          setLines((old) => [...[...page.lines].reverse(), ...old].slice(0, MAX_TAIL_LINES));
        }
        timer = setTimeout(poll, page.lines.length === 500 ? 0 : TAIL_EVERY_MS);
      } catch (e) {
        if (stopped) return;
        setError(e as Error);
        timer = setTimeout(poll, TAIL_EVERY_MS * 3);
      }
    };
    timer = setTimeout(poll, TAIL_EVERY_MS);
    return () => {
      stopped = true;
      controller.abort();
      clearTimeout(timer);
    };
  }, [slug, filters, from, live]);
  return { lines, error };
}
