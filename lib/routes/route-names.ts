import { createHash } from "node:crypto";

// Route names are host labels under APPS_DOMAIN: `<slug>` for production and
// `<slug>-git-<branch>` for a branch. A branch that is not already a clean DNS
// label (slashes, capitals, dots, length) gets a short hash of its exact name,
// so two branches never share a route.
const MAX_LABEL = 63;

export function productionRouteName(slug: string) {
  return slug;
}

export function branchRouteName(slug: string, branch: string) {
  const prefix = `${slug}-git-`;
  const clean = branch.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "");
  const exact = clean === branch && !clean.includes("--");
  const room = MAX_LABEL - prefix.length;
  if (exact && clean.length <= room) return prefix + clean;
  const hash = createHash("sha256").update(branch).digest("hex").slice(0, 6);
  const head = clean.replace(/-+/g, "-").slice(0, Math.max(0, room - hash.length - 1)).replace(/-+$/, "");
  return `${prefix}${head ? `${head}-` : ""}${hash}`;
}

// The route a deployment of this environment and branch is published on.
export function routeNameFor(slug: string, environment: string, branch: string) {
  return environment === "production" ? productionRouteName(slug) : branchRouteName(slug, branch);
}
