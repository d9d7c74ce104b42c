import type { ManifestEntry } from "@/lib/bundles/build-manifest";

export type BundleIndexOptions = { spaFallback?: boolean };

export type Lookup = { entry: ManifestEntry; status: 200 | 404 };

// Whether the last path segment has a file extension ("app.js", not ".env" or "docs").
export function hasExtension(path: string): boolean {
  const name = path.slice(path.lastIndexOf("/") + 1);
  return name.lastIndexOf(".") > 0;
}

// Maps a resolved request path (see resolveRequestPath) to the manifest entry
// to serve. It can only ever return entries of the manifest it was built from.
export class BundleIndex {
  private readonly files = new Map<string, ManifestEntry>();
  readonly spaFallback: boolean;

  constructor(entries: readonly ManifestEntry[], opts: BundleIndexOptions = {}) {
    for (const entry of entries) this.files.set(entry.path, entry);
    this.spaFallback = opts.spaFallback ?? false;
  }

  get size() {
    return this.files.size;
  }

  get(path: string): ManifestEntry | undefined {
    return this.files.get(path);
  }

  lookup(path: string): Lookup | null {
    const found = this.find(path);
    if (found) return { entry: found, status: 200 };
    const notFound = this.files.get("404.html");
    return notFound ? { entry: notFound, status: 404 } : null;
  }

  private find(path: string): ManifestEntry | undefined {
    const trimmed = path.endsWith("/") ? path.replace(/\/+$/, "") : path;
    if (trimmed !== "") {
      const exact = this.files.get(trimmed);
      if (exact) return exact;
    }
    const index = this.files.get(trimmed === "" ? "index.html" : `${trimmed}/index.html`);
    if (index) return index;
    if (trimmed === "" || hasExtension(trimmed)) return undefined;
    const clean = this.files.get(`${trimmed}.html`);
    if (clean) return clean;
    return this.spaFallback ? this.files.get("index.html") : undefined;
  }
}
