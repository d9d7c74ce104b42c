"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { apiFetch, apiUpload } from "@/components/lib/api-fetch";
import { isTerminal } from "@/components/deployments/status";
import type {
  CreateDeploymentInput,
  DeploymentDetail,
  DeploymentSummary,
  LogPage,
  Manifest,
  PromotePreview,
  RolloutAction,
  RolloutView,
} from "@/components/deployments/types";
import type { DeploymentStatus } from "@/lib/generated/prisma/enums";
import { projectKeys } from "@/components/projects/queries";
import { appendPolled } from "@/lib/ui/rollout-view";
import type { RuntimeView } from "@/lib/runtime/get-runtime";

const SETTLE_MS = 15_000;

export const deploymentKeys = {
  all: ["deployments"] as const,
  detail: (id: string) => [...deploymentKeys.all, id] as const,
  manifest: (id: string) => [...deploymentKeys.detail(id), "manifest"] as const,
  promotePreview: (id: string) => [...deploymentKeys.detail(id), "promote"] as const,
  rollout: (id: string) => [...deploymentKeys.detail(id), "rollout"] as const,
  runtime: (id: string) => [...deploymentKeys.detail(id), "runtime"] as const,
};

export const deploymentPath = (id: string) => `/api/deployments/${encodeURIComponent(id)}`;
const projectDeploymentsPath = (slug: string) => `/api/projects/${encodeURIComponent(slug)}/deployments`;

// While the deployment moves, its page follows it every second.
export function useDeployment(id: string) {
  return useQuery({
    queryKey: deploymentKeys.detail(id),
    queryFn: () => apiFetch<DeploymentDetail>(deploymentPath(id)),
    refetchInterval: (query) => {
      const d = query.state.data?.deployment;
      if (!d) return false;
      if (!isTerminal(d.status)) return 1000;
      // A little longer after it ends: the last stage and event updates may land just after.
      const ended = d.finishedAt ? Date.parse(d.finishedAt) : 0;
      return Date.now() - ended < SETTLE_MS ? 2000 : false;
    },
  });
}

// A bundle never changes once it exists, so its manifest is fetched once.
export function useManifest(id: string, digest: string | null) {
  return useQuery({
    queryKey: [...deploymentKeys.manifest(id), digest] as const,
    queryFn: () => apiFetch<Manifest>(`${deploymentPath(id)}/manifest`),
    enabled: digest !== null,
    staleTime: Infinity,
  });
}

export function fetchLogPage(id: string, after: number, limit: number, signal?: AbortSignal) {
  return apiFetch<LogPage>(`${deploymentPath(id)}/logs?after=${after}&limit=${limit}`, { signal });
}

export function useCreateDeployment(slug: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ archive, ...options }: CreateDeploymentInput) => {
      const request = archive
        ? apiUpload<{ deployment: DeploymentSummary }>(
            `${projectDeploymentsPath(slug)}?${queryString(options)}`,
            archive,
            "application/gzip",
          )
        : apiFetch<{ deployment: DeploymentSummary }>(projectDeploymentsPath(slug), { method: "POST", body: options });
      return request.then((r) => r.deployment);
    },
    onSuccess: () =>
      Promise.all([
        queryClient.invalidateQueries({ queryKey: projectKeys.deployments(slug) }),
        queryClient.invalidateQueries({ queryKey: projectKeys.list() }),
      ]),
  });
}

// A new deployment of the same source as `id`, built with the current variables.
export function useRedeployDeployment(id: string, slug: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: () =>
      apiFetch<{ deployment: DeploymentSummary }>(`${deploymentPath(id)}/redeploy`, { method: "POST" }).then((r) => r.deployment),
    onSuccess: () =>
      Promise.all([
        queryClient.invalidateQueries({ queryKey: projectKeys.deployments(slug) }),
        queryClient.invalidateQueries({ queryKey: projectKeys.list() }),
      ]),
  });
}

export function useCancelDeployment(id: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: () => postAction(id, "cancel"),
    onSuccess: () =>
      Promise.all([
        queryClient.invalidateQueries({ queryKey: deploymentKeys.detail(id) }),
        queryClient.invalidateQueries({ queryKey: projectKeys.all }),
      ]),
  });
}

// What a promote would change, read fresh each time the dialog opens: the live
// deployment may have moved since the last look.
export function usePromotePreview(id: string) {
  return useQuery({
    queryKey: deploymentKeys.promotePreview(id),
    queryFn: () => apiFetch<PromotePreview>(`${deploymentPath(id)}/promote`),
    gcTime: 0,
    refetchOnWindowFocus: false,
  });
}

// A promote changes two deployments (the target goes live, the one it replaces
// is superseded) and the project's list, so every cached deployment page is
// refreshed, not only this one's. Manifests never change; the open preview is
// left alone so the dialog does not flip to "already live" as it closes. The
// mutation settles after the refetch, so the list shows the new statuses when
// the dialog closes.
export function usePromoteDeployment(id: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (opts: { confirmMigrations?: boolean } | void) => postAction(id, "promote", opts?.confirmMigrations ? { confirmMigrations: true } : undefined),
    onSuccess: () =>
      Promise.all([
        queryClient.invalidateQueries({ queryKey: deploymentKeys.all, predicate: (q) => q.queryKey.length === 2 }),
        queryClient.invalidateQueries({ queryKey: projectKeys.all }),
      ]),
  });
}

// Statuses in which a deployment has, had or may still get a rollout (it starts
// when the upload finishes and a live deployment is there to compare with).
const MAY_HAVE_ROLLOUT: ReadonlySet<DeploymentStatus> = new Set(["uploading", "canary", "live", "superseded", "failed", "canceled"]);
export const mayHaveRollout = (status: DeploymentStatus) => MAY_HAVE_ROLLOUT.has(status);

const ROLLOUT_POLL_MS = 1000;

// The deployment's rollout with its verdicts and chart series: every second while
// it runs or is paused (someone else may resume it), every two while the
// deployment may still start one, then a little longer after it ends for the
// last verdict, then no more.
export function useRollout(id: string, status: DeploymentStatus) {
  const queryClient = useQueryClient();
  return useQuery({
    queryKey: deploymentKeys.rollout(id),
    queryFn: async () => {
      const url = `${deploymentPath(id)}/rollout`;
      const prev = queryClient.getQueryData<RolloutView>(deploymentKeys.rollout(id));
      const last = prev?.series.at(-1)?.t;
      if (!prev || !last) return apiFetch<RolloutView>(url);
      const next = await apiFetch<RolloutView>(`${url}?since=${encodeURIComponent(last)}`);
      return appendPolled(prev, next) ?? apiFetch<RolloutView>(url);
    },
    enabled: mayHaveRollout(status),
    refetchInterval: (query) => {
      const data = query.state.data;
      if (!data) return false;
      const r = data.rollout;
      if (!r) return status === "uploading" || status === "canary" ? 2000 : false;
      if (r.status === "running" || r.status === "paused") return ROLLOUT_POLL_MS;
      const ended = r.finishedAt ? Date.parse(r.finishedAt) : 0;
      return Date.now() - ended < SETTLE_MS ? 2000 : false;
    },
  });
}

// Pause, resume, abort (roll back) or promote now. Any of them changes the
// rollout, both deployments' statuses and the project's list, so all of those are
// refetched before the mutation settles.
export function useRolloutAction(deploymentId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ rolloutId, action }: { rolloutId: string; action: RolloutAction }) =>
      apiFetch<Pick<RolloutView, "rollout">>(`/api/rollouts/${encodeURIComponent(rolloutId)}/${action}`, { method: "POST" }),
    onSuccess: () =>
      Promise.all([
        queryClient.invalidateQueries({ queryKey: deploymentKeys.rollout(deploymentId) }),
        queryClient.invalidateQueries({ queryKey: deploymentKeys.all, predicate: (q) => q.queryKey.length === 2 }),
        queryClient.invalidateQueries({ queryKey: projectKeys.all }),
      ]),
  });
}

function postAction(id: string, action: "cancel" | "promote", body?: Record<string, unknown>) {
  return apiFetch<{ deployment: DeploymentSummary }>(`${deploymentPath(id)}/${action}`, { method: "POST", body }).then(
    (r) => r.deployment,
  );
}

function queryString(options: Omit<CreateDeploymentInput, "archive">): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(options)) if (value) params.set(key, value);
  return params.toString();
}

// A server deployment's runtime, every 2 s while its page is open: instances
// start, become ready, restart and drain, and a stopped one starts again on a
// Promote or a request.
export function useRuntime(id: string) {
  return useQuery({
    queryKey: deploymentKeys.runtime(id),
    queryFn: () => apiFetch<RuntimeView>(`${deploymentPath(id)}/runtime`),
    refetchInterval: (query) => (query.state.data?.server ? 2000 : false),
  });
}
