import type { LoadedBundle } from "@/lib/router/bundle-cache";

// The router's in-memory copy of the route registry. Each request reads one
// RouteEntry object; updates replace whole entries, so a request sees either
// the old or the new route, never a mix. Entries only ever move forward in
// `version`, whatever order notifications and resyncs complete in.
export type DeploymentRef = {
  id: string;
  projectId: string;
  /** Its project's slug: how metrics name the project. */
  projectSlug: string;
  sha: string;
  bundleDigest: string;
  runtimeEnvEnc: string | null;
  spaFallback: boolean;
  /** A server deployment: its requests go to its instances (lib/runtime/), never to its files. */
  server: boolean;
  /** Its project's sandbox number and egress setting, for its function hosts. */
  sandboxId: number;
  egressAllow: string[];
  /** The end of its fixed lifetime, if it has one: its deployment URL answers 404 after it. */
  expiresAt: Date | null;
  /** Its project sends Strict-Transport-Security on HTTPS responses. */
  hsts: boolean;
  /** Filled in by the router on first use: this deployment's indexed bundle. */
  loaded?: LoadedBundle;
};

export type RouteEntry = {
  name: string;
  kind: "production" | "branch" | "domain";
  projectId: string;
  slug: string;
  version: number;
  live: DeploymentRef | null;
  canary: DeploymentRef | null;
  canaryWeight: number;
};

export class RouteTable {
  private routes = new Map<string, RouteEntry>();
  private domains = new Map<string, string>();
  loaded = false;

  get size() {
    return this.routes.size;
  }

  route(name: string): RouteEntry | undefined {
    return this.routes.get(name);
  }

  /** The route a verified custom domain points at. */
  domainRoute(hostname: string): RouteEntry | undefined {
    const name = this.domains.get(hostname);
    return name === undefined ? undefined : this.routes.get(name);
  }

  /** Applies one reloaded route (null: it no longer exists). Returns whether anything changed. */
  apply(name: string, entry: RouteEntry | null): boolean {
    const current = this.routes.get(name);
    if (!entry) return current ? this.routes.delete(name) : false;
    if (current && current.version >= entry.version) return false;
    this.routes.set(name, entry);
    return true;
  }

  /** A full resync: the new set of routes and domains, keeping any entry already newer than the snapshot. */
  replaceAll(entries: RouteEntry[], domains: Map<string, string>) {
    const next = new Map<string, RouteEntry>();
    for (const entry of entries) {
      const current = this.routes.get(entry.name);
      next.set(entry.name, current && current.version > entry.version ? current : entry);
    }
    this.routes = next;
    this.domains = domains;
    this.loaded = true;
  }

  setDomains(domains: Map<string, string>) {
    this.domains = domains;
  }

  entries(): IterableIterator<RouteEntry> {
    return this.routes.values();
  }

  /** Deployments some route currently serves (live or canary). */
  routableDeployments(): Set<string> {
    const ids = new Set<string>();
    for (const r of this.routes.values()) {
      if (r.live) ids.add(r.live.id);
      if (r.canary) ids.add(r.canary.id);
    }
    return ids;
  }
}
