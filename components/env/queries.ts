"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { redeployTarget } from "@/lib/ui/env-var-form";
import type { DeploymentPage } from "@/components/deployments/types";
import type { EnvChange, EnvChangeResult, EnvList } from "@/components/env/types";
import { apiFetch } from "@/components/lib/api-fetch";
import { projectKeys } from "@/components/projects/queries";

export const envKeys = {
  list: (slug: string) => [...projectKeys.detail(slug), "env"] as const,
  redeployTarget: (slug: string) => [...projectKeys.deployments(slug), "redeploy-target"] as const,
};

const envPath = (slug: string) => `/api/projects/${encodeURIComponent(slug)}/env`;

// Not refetched on focus: the editor stages changes against what it loaded, and
// the rows should not move under someone who is editing them.
export function useEnvVars(slug: string) {
  return useQuery({
    queryKey: envKeys.list(slug),
    queryFn: () => apiFetch<EnvList>(envPath(slug)),
    refetchOnWindowFocus: false,
  });
}

// Save: every staged change in one request, all or nothing. The answer carries
// the variables as stored now, so the table shows them without a refetch.
export function useSaveEnvChanges(slug: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (changes: EnvChange[]) => apiFetch<EnvChangeResult>(envPath(slug), { method: "POST", body: { changes } }),
    onSuccess: (result) => {
      queryClient.setQueryData<EnvList>(envKeys.list(slug), (old) => old && { ...old, variables: result.variables });
    },
  });
}

// What a set of changes would do, with nothing written (bulk paste's preview).
export function useEnvDryRun(slug: string) {
  return useMutation({
    mutationFn: (changes: EnvChange[]) =>
      apiFetch<EnvChangeResult>(envPath(slug), { method: "POST", body: { changes, dryRun: true } }).then((r) => r.preview),
  });
}

// The production deployment "Redeploy production" would rebuild, read when its dialog opens.
export function useRedeployTarget(slug: string) {
  return useQuery({
    queryKey: envKeys.redeployTarget(slug),
    queryFn: () =>
      apiFetch<DeploymentPage>(`/api/projects/${encodeURIComponent(slug)}/deployments?limit=100`).then((page) => redeployTarget(page.deployments)),
    gcTime: 0,
    refetchOnWindowFocus: false,
  });
}
