"use client";

import { useQuery } from "@tanstack/react-query";
import type { Role } from "@/lib/generated/prisma/enums";
import { apiFetch } from "@/components/lib/api-fetch";

export type MyTeam = { id: string; name: string; slug: string; role: Role };
export type Me = { user: { id: string; email: string; name: string }; teams: MyTeam[] };

export const meKeys = {
  all: ["me"] as const,
};

export function useMe() {
  return useQuery({ queryKey: meKeys.all, queryFn: () => apiFetch<Me>("/api/me") });
}
