"use client";

import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { isTerminal } from "@/components/deployments/status";
import { apiFetch } from "@/components/lib/api-fetch";
import type {
  CreateProjectBody,
  DeploymentPage,
  Project,
  ProjectDetail,
  ProjectListItem,
  ProjectSettings,
  UpdateProjectSettingsBody,
} from "@/components/projects/types";

export const projectKeys = {
  all: ["projects"] as const,
  list: () => [...projectKeys.all, "list"] as const,
  detail: (slug: string) => [...projectKeys.all, "detail", slug] as const,
  deployments: (slug: string) => [...projectKeys.detail(slug), "deployments"] as const,
};

const projectPath = (slug: string) => `/api/projects/${encodeURIComponent(slug)}`;

export function useProjects() {
  return useQuery({
    queryKey: projectKeys.list(),
    queryFn: () => apiFetch<{ projects: ProjectListItem[] }>("/api/projects"),
    select: (data) => data.projects,
  });
}

export function useProject(slug: string) {
  return useQuery({ queryKey: projectKeys.detail(slug), queryFn: () => apiFetch<ProjectDetail>(projectPath(slug)) });
}

export function useDeployments(slug: string) {
  return useInfiniteQuery({
    queryKey: projectKeys.deployments(slug),
    queryFn: ({ pageParam }) =>
      apiFetch<DeploymentPage>(`${projectPath(slug)}/deployments${pageParam ? `?cursor=${encodeURIComponent(pageParam)}` : ""}`),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.nextCursor,
    // Every second while a listed deployment is still moving, otherwise every ten.
    refetchInterval: (query) =>
      query.state.data?.pages.some((p) => p.deployments.some((d) => !isTerminal(d.status))) ? 1000 : 10_000,
  });
}

export function useCreateProject() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: CreateProjectBody) =>
      apiFetch<{ project: Project }>("/api/projects", { method: "POST", body }).then((r) => r.project),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: projectKeys.all }),
  });
}

// The page shows the saved values at once; the refetch brings anything else that changed.
export function useUpdateProjectSettings(slug: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: UpdateProjectSettingsBody) =>
      apiFetch<{ project: ProjectSettings }>(projectPath(slug), { method: "PATCH", body }).then((r) => r.project),
    onSuccess: (settings) => {
      queryClient.setQueryData<ProjectDetail>(projectKeys.detail(slug), (old) => old && { ...old, project: { ...old.project, ...settings } });
      void queryClient.invalidateQueries({ queryKey: projectKeys.detail(slug), exact: true });
      void queryClient.invalidateQueries({ queryKey: projectKeys.list() });
    },
  });
}

// The push webhook: whether a signing secret is set (anyone on the team), and a
// new one (admins). The secret is in the rotate answer only; nothing caches it.
export type WebhookStatus = { configured: boolean; url: string; updatedAt?: string | null; problem?: string };
export type RotatedWebhookSecret = { secret: string; url: string };
const webhookKey = (slug: string) => [...projectKeys.detail(slug), "webhook"] as const;

export function useWebhookStatus(slug: string) {
  return useQuery({ queryKey: webhookKey(slug), queryFn: () => apiFetch<WebhookStatus>(`${projectPath(slug)}/webhook`) });
}

export function useRotateWebhookSecret(slug: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: () => apiFetch<RotatedWebhookSecret>(`${projectPath(slug)}/webhook`, { method: "POST" }),
    gcTime: 0,
    onSuccess: () => queryClient.invalidateQueries({ queryKey: webhookKey(slug) }),
  });
}
