import type { ManifestEntry } from "@/lib/bundles/build-manifest";
import { isFunctionPath } from "@/lib/router/functions/function-paths";
import { BundleIndex } from "@/lib/router/static/bundle-index";

// A deployment's manifest, indexed for serving: static files (never the
// function sources) and the function files by path.
export type LoadedBundle = { digest: string; index: BundleIndex; functions: Map<string, ManifestEntry>; files: ManifestEntry[] };

export function indexBundle(digest: string, entries: ManifestEntry[], spaFallback: boolean): LoadedBundle {
  const functions = new Map<string, ManifestEntry>();
  const statics: ManifestEntry[] = [];
  for (const e of entries) {
    if (isFunctionPath(e.path)) functions.set(e.path, e);
    else statics.push(e);
  }
  return { digest, index: new BundleIndex(statics, { spaFallback }), functions, files: [...functions.values()] };
}

// Indexed manifests by (digest, SPA fallback). The ones a route serves are
// kept (so serving never waits on Postgres, and goes on if it is down); up
// to `keepOthers` more, least recently used first out, for deployment URLs.
export class BundleCache {
  private readonly loaded = new Map<string, LoadedBundle>();
  private readonly inflight = new Map<string, Promise<LoadedBundle>>();
  private pinned = new Set<string>();

  constructor(
    private readonly load: (digest: string) => Promise<ManifestEntry[]>,
    private readonly keepOthers = 32,
  ) {}

  static key(digest: string, spaFallback: boolean) {
    return `${digest}:${spaFallback ? 1 : 0}`;
  }

  /** The indexed bundle if it is in memory (the hot path: no promise). */
  peek(digest: string, spaFallback: boolean): LoadedBundle | undefined {
    const key = BundleCache.key(digest, spaFallback);
    const hit = this.loaded.get(key);
    if (hit && !this.pinned.has(key)) {
      this.loaded.delete(key);
      this.loaded.set(key, hit);
    }
    return hit;
  }

  get(digest: string, spaFallback: boolean): Promise<LoadedBundle> {
    const hit = this.peek(digest, spaFallback);
    if (hit) return Promise.resolve(hit);
    const key = BundleCache.key(digest, spaFallback);
    let pending = this.inflight.get(key);
    if (!pending) {
      pending = this.load(digest)
        .then((entries) => {
          const bundle = indexBundle(digest, entries, spaFallback);
          this.loaded.set(key, bundle);
          this.evict();
          return bundle;
        })
        .finally(() => this.inflight.delete(key));
      this.inflight.set(key, pending);
    }
    return pending;
  }

  /** Marks the bundles routes serve; they are never evicted. */
  pin(keys: Set<string>) {
    this.pinned = keys;
    this.evict();
  }

  private evict() {
    let others = 0;
    for (const key of this.loaded.keys()) if (!this.pinned.has(key)) others++;
    for (const key of this.loaded.keys()) {
      if (others <= this.keepOthers) break;
      if (this.pinned.has(key)) continue;
      this.loaded.delete(key);
      others--;
    }
  }
}
