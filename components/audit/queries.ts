"use client";

import { useInfiniteQuery } from "@tanstack/react-query";
import type { ActorKind } from "@/lib/generated/prisma/enums";
import { apiFetch } from "@/components/lib/api-fetch";

export type AuditEvent = {
  id: string;
  createdAt: string;
  action: string;
  actor: { kind: ActorKind; id: string | null; label: string; detail: string | null };
  target: { type: string; id: string; label: string | null; href: string | null };
  data: unknown;
};
type AuditPage = { events: AuditEvent[]; nextCursor: string | null };

// The API's filter parameters; empty ones are left out.
export type AuditApiFilters = Partial<Record<"actor" | "action" | "actionPrefix" | "targetType" | "targetId" | "from" | "to", string>>;

export const auditKeys = {
  all: ["audit"] as const,
  list: (teamId: string, filters: AuditApiFilters) => [...auditKeys.all, teamId, filters] as const,
};

export function useAuditEvents(teamId: string, filters: AuditApiFilters) {
  return useInfiniteQuery({
    queryKey: auditKeys.list(teamId, filters),
    initialPageParam: null as string | null,
    queryFn: ({ pageParam, signal }) => {
      const params = new URLSearchParams(Object.entries(filters).filter((e): e is [string, string] => !!e[1]));
      if (pageParam) params.set("cursor", pageParam);
      return apiFetch<AuditPage>(`/api/teams/${encodeURIComponent(teamId)}/audit?${params}`, { signal });
    },
    getNextPageParam: (last) => last.nextCursor,
  });
}
