"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import type { Role } from "@/lib/generated/prisma/enums";
import { apiFetch } from "@/components/lib/api-fetch";
import { meKeys, type Me } from "@/components/me/queries";

export type Member = { role: Role; createdAt: string; user: { id: string; email: string; name: string } };
export type PendingInvitation = { id: string; email: string; role: Role; expiresAt: string };
export type TeamMembers = { role: Role; members: Member[]; invitations: PendingInvitation[] };
export type CreatedInvitation = PendingInvitation & { token: string };
export type ApiToken = {
  id: string;
  name: string;
  prefix: string;
  role: Role;
  expiresAt: string | null;
  lastUsedAt: string | null;
  revokedAt: string | null;
  createdAt: string;
  createdBy: { name: string; email: string };
};
export type CreateApiTokenBody = { name: string; role: Role; expiresInDays: number | null };
// The secret comes back once, in this response only.
export type CreatedApiToken = { token: string; apiToken: ApiToken };

export const teamKeys = {
  all: ["teams"] as const,
  members: (teamId: string) => [...teamKeys.all, teamId, "members"] as const,
  tokens: (teamId: string) => [...teamKeys.all, teamId, "tokens"] as const,
};

const teamPath = (teamId: string) => `/api/teams/${encodeURIComponent(teamId)}`;

export function useTeamMembers(teamId: string) {
  return useQuery({
    queryKey: teamKeys.members(teamId),
    queryFn: () => apiFetch<TeamMembers>(`${teamPath(teamId)}/members`),
  });
}

export function useInviteMember(teamId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: { email: string; role: Role }) =>
      apiFetch<{ invitation: CreatedInvitation }>(`${teamPath(teamId)}/invitations`, { method: "POST", body }).then(
        (r) => r.invitation,
      ),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: teamKeys.members(teamId) }),
  });
}

export function useChangeMemberRole(teamId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ userId, role }: { userId: string; role: Role }) =>
      apiFetch(`${teamPath(teamId)}/members/${encodeURIComponent(userId)}`, { method: "PATCH", body: { role } }),
    onSuccess: async (_data, { userId }) => {
      await queryClient.invalidateQueries({ queryKey: teamKeys.members(teamId) });
      // My own role decides which controls the console shows me.
      if (queryClient.getQueryData<Me>(meKeys.all)?.user.id === userId) {
        await queryClient.invalidateQueries({ queryKey: meKeys.all });
      }
    },
  });
}

export function useAcceptInvitation() {
  return useMutation({
    mutationFn: (body: { token: string; name: string; password: string }) =>
      apiFetch<{ accepted: { email: string; teamId: string } }>("/api/invitations/accept", { method: "POST", body }),
  });
}

export function useApiTokens(teamId: string) {
  return useQuery({
    queryKey: teamKeys.tokens(teamId),
    queryFn: () => apiFetch<{ tokens: ApiToken[] }>(`${teamPath(teamId)}/tokens`),
    select: (data) => data.tokens,
  });
}

export function useCreateApiToken(teamId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: CreateApiTokenBody) =>
      apiFetch<CreatedApiToken>(`${teamPath(teamId)}/tokens`, { method: "POST", body }),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: teamKeys.tokens(teamId) }),
  });
}

export function useRevokeApiToken(teamId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (tokenId: string) =>
      apiFetch<{ ok: true }>(`${teamPath(teamId)}/tokens/${encodeURIComponent(tokenId)}`, { method: "DELETE" }),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: teamKeys.tokens(teamId) }),
  });
}
