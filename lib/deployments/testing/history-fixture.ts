import type { Db } from "@/lib/db/client";
import type { Prisma } from "@/lib/generated/prisma/client";
import type { DeploymentStatus, Environment } from "@/lib/generated/prisma/enums";
import { seededRandom as random } from "@/lib/rollouts/testing/random";

// A realistic deployment history for one project, generated from a seed (the
// same seed gives the same rows): a year of deploys, about a third of them of
// the production branch, the rest spread over feature branches (a few busy,
// many quiet); mostly superseded, some failed or canceled, the newest of each
// route live, a handful still running; several people deploying, some through
// API tokens, some by the system; commit messages in the usual styles (and a
// few with LIKE wildcards in them); some deployments sharing one createdAt.
// Used by the history bench and the history integration tests; no vitest here.

export type HistoryAuthors = { userIds: string[]; tokenIds: string[] };
export type HistoryRow = Prisma.DeploymentCreateManyInput & {
  id: string;
  environment: Environment;
  branch: string;
  commitSha: string;
  commitMessage: string | null;
  status: DeploymentStatus;
  createdAt: Date;
  createdById: string | null;
};

const BRANCHES = [
  "feat/login-form", "fix/cache-headers", "renovate/react-19", "feat/dark-mode", "docs/readme", "feat/payments",
  "fix/router-404", "chore/deps", "feat/search", "perf/images", "feat/onboarding", "fix/typo", "release/2.0",
  "feat/i18n", "fix/safari-scroll", "spike/edge-cache", "feat/api-keys", "refactor/auth", "fix/timezone", "feat/export-csv",
  "hotfix/payment-webhook", "feat/team-invites", "test/e2e-flake", "feat/billing", "fix/memory-leak", "design/new-nav",
  "feat/audit-log", "fix/ci-cache", "feat/sso", "chore/lint", "feature-x", "staging", "experiment-42", "v2", "preview",
  "dependabot/npm/next-16", "fix/csp", "feat/webhooks", "ops/healthcheck", "feat/charts",
];
const TYPES = ["feat", "fix", "chore", "docs", "refactor", "perf", "test", "build"];
const SCOPES = ["", "api", "ui", "router", "auth", "billing", "deps", "ci"];
const VERBS = ["add", "fix", "update", "remove", "improve", "simplify", "rename", "handle", "cache", "validate"];
const OBJECTS = [
  "login form", "cache headers", "dark mode toggle", "payment retries", "search results", "image sizes", "404 page",
  "session expiry", "team invitations", "CSV export", "timezone offsets", "webhook signatures", "error messages",
  "navigation bar", "onboarding steps", "API rate limits", "build script", "README examples", "memory usage", "SSO callback",
];
// Text a LIKE pattern would read as wildcards, to show the search matches it literally.
const ODD_MESSAGES = ["fix: discount shows 100% off", "chore: rename user_id to owner_id", "docs: explain 50%_rule flag"];


export function historyRows({ projectId, count, authors, productionBranch = "main", seed = 1, now = Date.now() }: {
  projectId: string;
  count: number;
  authors: HistoryAuthors;
  productionBranch?: string;
  seed?: number;
  now?: number;
}): HistoryRow[] {
  const rnd = random(seed);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rnd() * xs.length)];
  const hex = (n: number) => Array.from({ length: n }, () => Math.floor(rnd() * 16).toString(16)).join("");
  const uuid = () => { const h = hex(32); return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20)}`; };
  // Zipf-like: the first branches are much busier than the last.
  const branch = () => (rnd() < 0.35 ? productionBranch : BRANCHES[Math.floor(BRANCHES.length * rnd() ** 2.2)]);
  const message = () => {
    const r = rnd();
    if (r < 0.01) return pick(ODD_MESSAGES);
    if (r < 0.06) return null;
    const scope = pick(SCOPES);
    const line = `${pick(TYPES)}${scope ? `(${scope})` : ""}: ${pick(VERBS)} ${pick(OBJECTS)}`;
    return rnd() < 0.2 ? `${line}\n\nCloses #${Math.floor(rnd() * 900) + 100}.` : line;
  };
  const span = 365 * 24 * 3600 * 1000;
  const rows: HistoryRow[] = [];
  let at = now - span;
  for (let i = 0; i < count; i++) {
    // About 2% share the createdAt of the row before (a burst of pushes in one millisecond).
    if (i === 0 || rnd() >= 0.02) at += Math.max(1, Math.round((span / count) * 2 * rnd()));
    const b = branch();
    const kind = rnd();
    const byToken = kind < 0.12 && authors.tokenIds.length > 0;
    const bySystem = !byToken && kind < 0.16;
    const archive = rnd() < 0.1;
    const createdAt = new Date(Math.min(at, now - (count - i)));
    const startedAt = new Date(createdAt.getTime() + 1500);
    rows.push({
      id: uuid(),
      projectId,
      environment: rnd() < 0.01 ? "development" : b === productionBranch ? "production" : "preview",
      branch: b,
      commitSha: hex(archive ? 64 : 40),
      commitMessage: message(),
      sourceKind: archive ? "archive" : "git",
      sourceRef: archive ? "upload" : b,
      status: "superseded",
      createdByKind: byToken ? "token" : bySystem ? "system" : "user",
      createdById: byToken ? pick(authors.tokenIds) : bySystem ? null : authors.userIds[Math.floor(authors.userIds.length * rnd() ** 1.5)],
      createdAt,
      startedAt,
      finishedAt: new Date(startedAt.getTime() + 15_000 + Math.floor(rnd() * 180_000)),
    });
  }
  // Statuses, newest first: a few still running at the top, then failures and
  // cancels here and there, and the newest good deploy of each route live.
  const liveRoutes = new Set<string>();
  for (let i = rows.length - 1, fromTop = 0; i >= 0; i--, fromTop++) {
    const row = rows[i];
    const r = rnd();
    if (fromTop < Math.max(2, Math.round(count / 2000))) {
      row.status = pick(["queued", "building", "uploading"] as const);
      row.finishedAt = null;
    } else if (r < 0.09) {
      row.status = "failed";
      row.failureStage = pick(["install", "build", "migrate"]);
      row.failureReason = "The build command exited with code 1.";
    } else if (r < 0.13) row.status = "canceled";
    else {
      const route = row.environment === "production" ? "production" : `${row.environment}:${row.branch}`;
      row.status = liveRoutes.has(route) ? "superseded" : "live";
      liveRoutes.add(route);
    }
  }
  return rows;
}

// Bulk insert, a few thousand rows per statement.
export async function insertHistory(db: Db, rows: HistoryRow[], chunk = 2000) {
  for (let i = 0; i < rows.length; i += chunk) await db.deployment.createMany({ data: rows.slice(i, i + chunk) });
}
