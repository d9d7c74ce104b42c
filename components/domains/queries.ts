"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import type { CertificateView } from "@/lib/certificates/certificate-view";
import type { AddDomainBody, Domain, DomainList, VerifyResult } from "@/components/domains/types";
import { apiFetch } from "@/components/lib/api-fetch";
import { projectKeys } from "@/components/projects/queries";

export const domainKeys = {
  list: (slug: string) => [...projectKeys.detail(slug), "domains"] as const,
};

const listPath = (slug: string) => `/api/projects/${encodeURIComponent(slug)}/domains`;
const domainPath = (id: string) => `/api/domains/${encodeURIComponent(id)}`;

// While a domain waits for verification the worker re-checks it every minute;
// the list follows along every 15 s so a domain turns Verified without a reload.
export function useDomains(slug: string) {
  return useQuery({
    queryKey: domainKeys.list(slug),
    queryFn: () => apiFetch<DomainList>(listPath(slug)),
    // Also while a certificate is being requested or renewed (the worker tries every minute).
    refetchInterval: (query) =>
      query.state.data?.domains.some((d) => d.status === "pending" || (d.status === "verified" && query.state.data?.https.acme && d.certificate?.state !== "issued"))
        ? 15_000
        : false,
  });
}

function useUpdateList(slug: string) {
  const queryClient = useQueryClient();
  return (update: (domains: Domain[]) => Domain[]) => {
    queryClient.setQueryData<DomainList>(domainKeys.list(slug), (old) => old && { ...old, domains: update(old.domains) });
    void queryClient.invalidateQueries({ queryKey: domainKeys.list(slug), exact: true });
  };
}

export function useAddDomain(slug: string) {
  const updateList = useUpdateList(slug);
  return useMutation({
    mutationFn: (body: AddDomainBody) => apiFetch<{ domain: Domain }>(listPath(slug), { method: "POST", body }).then((r) => r.domain),
    onSuccess: (domain) => updateList((list) => [...list.filter((d) => d.id !== domain.id), domain]),
  });
}

// One per domain card, so each shows its own pending state and result.
export function useVerifyDomain(slug: string) {
  const updateList = useUpdateList(slug);
  return useMutation({
    mutationFn: (id: string) => apiFetch<VerifyResult>(`${domainPath(id)}/verify`, { method: "POST" }),
    onSuccess: (result) => updateList((list) => list.map((d) => (d.id === result.domain.id ? result.domain : d))),
  });
}

export function useRemoveDomain(slug: string) {
  const updateList = useUpdateList(slug);
  return useMutation({
    mutationFn: (id: string) => apiFetch<{ ok: true }>(domainPath(id), { method: "DELETE" }).then(() => id),
    onSuccess: (id) => updateList((list) => list.filter((d) => d.id !== id)),
  });
}

// An operator's own certificate (PUT), or back to the CA's (DELETE); the list is read again for the certificate's view.
export function useUploadCertificate(slug: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ id, ...body }: { id: string; certificate: string; privateKey: string }) =>
      apiFetch<{ certificate: CertificateView }>(`${domainPath(id)}/certificate`, { method: "PUT", body }),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: domainKeys.list(slug), exact: true }),
  });
}

export function useRemoveCertificate(slug: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => apiFetch<{ ok: true }>(`${domainPath(id)}/certificate`, { method: "DELETE" }),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: domainKeys.list(slug), exact: true }),
  });
}
