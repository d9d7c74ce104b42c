"use client";

import { keepPreviousData, useInfiniteQuery, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { isTerminal } from "@/components/deployments/status";
import { apiFetch, isApiError } from "@/components/lib/api-fetch";
import type {
  BranchList,
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
  // Under deployments(slug): whatever invalidates a project's deployments refreshes these too.
  history: (slug: string, query: string) => [...projectKeys.deployments(slug), "history", query] as const,
  branches: (slug: string) => [...projectKeys.deployments(slug), "branches"] as const,
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

const moving = (ds: { status: Parameters<typeof isTerminal>[0] }[]) => ds.some((d) => !isTerminal(d.status));

// The history under `query` (the filters as a query string), keyset-paged.
// While a filter change loads, the rows of the previous filters stay on screen.
// A refetch runs every loaded page again from the first, each from the fresh
// cursor of the one before, so rows arriving meanwhile never leave a gap.
export function useDeploymentHistory(slug: string, query: string) {
  return useInfiniteQuery({
    queryKey: projectKeys.history(slug, query),
    queryFn: ({ pageParam, signal }) => {
      const params = new URLSearchParams(query);
      if (pageParam) params.set("cursor", pageParam);
      const qs = params.toString();
      return apiFetch<DeploymentPage>(`${projectPath(slug)}/deployments${qs ? `?${qs}` : ""}`, { signal });
    },
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.nextCursor,
    placeholderData: keepPreviousData,
    // A refused filter stays refused.
    retry: (failures, error) => !isApiError(error, "invalid") && failures < 3,
    // Every second while a listed deployment is still moving, otherwise every ten.
    refetchInterval: (q) => (q.state.data?.pages.some((p) => moving(p.deployments)) ? 1000 : 10_000),
  });
}

export function useBranches(slug: string) {
  return useQuery({
    queryKey: projectKeys.branches(slug),
    queryFn: () => apiFetch<BranchList>(`${projectPath(slug)}/branches`),
    refetchInterval: (q) => (q.state.data && moving(q.state.data.branches.map((b) => b.latestDeployment)) ? 2000 : 15_000),
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
