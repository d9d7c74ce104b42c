"use client";

import { MutationCache, QueryCache, QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { useState, type ReactNode } from "react";
import { ApiError } from "@/components/lib/api-fetch";

// A session that ends while a page is open (expired, signed out in another tab)
// sends the person to sign in and back here, instead of showing a dead page.
function onError(error: unknown) {
  if (!(error instanceof ApiError) || error.status !== 401) return;
  const here = window.location.pathname + window.location.search;
  // A full page load, not router.push: it also drops the ended session's cached data.
  // eslint-disable-next-line @next/next/no-location-assign-relative-destination
  window.location.assign(`/signin?callbackUrl=${encodeURIComponent(here)}`);
}

// Client errors (4xx) will not change on a retry; network and server errors might.
const retry = (failures: number, error: unknown) =>
  !(error instanceof ApiError && error.status >= 400 && error.status < 500) && failures < 2;

export function Providers({ children }: { children: ReactNode }) {
  const [client] = useState(
    () =>
      new QueryClient({
        queryCache: new QueryCache({ onError }),
        mutationCache: new MutationCache({ onError }),
        defaultOptions: { queries: { staleTime: 15_000, retry } },
      }),
  );
  return <QueryClientProvider client={client}>{children}</QueryClientProvider>;
}
