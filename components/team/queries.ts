"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import type { Role } from "@/lib/generated/prisma/enums";
import { apiFetch } from "@/components/lib/api-fetch";
import { meKeys, type Me } from "@/components/me/queries";

export type Member = { role: Role; createdAt: string; user: { id: string; email: string; name: string } };
export type PendingInvitation = { id: string; email: string; role: Role; expiresAt: string };
export type TeamMembers = { role: Role; members: Member[]; invitations: PendingInvitation[] };
export type CreatedInvitation = PendingInvitation & { token: string };

export const teamKeys = {
  all: ["teams"] as const,
  members: (teamId: string) => [...teamKeys.all, teamId, "members"] as const,
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
