import type pg from "pg";
import type { ManifestEntry } from "@/lib/bundles/build-manifest";
import { branchRouteName, productionRouteName } from "@/lib/routes/route-names";
import type { DeploymentRef, RouteEntry } from "@/lib/router/route-table";
import { REQUEST_RUNTIME_SQL } from "@/lib/runtime/request-runtime";
import { instanceLabel } from "@/lib/logs/instance-label";

// The router's reads, in plain SQL over node-postgres: it needs LISTEN anyway,
// and a handful of small queries do not justify a query engine per process.

type Queryable = Pick<pg.Pool, "query">;

const deploymentColumns = (alias: string) =>
  `${alias}.id AS ${alias}_id, ${alias}.project_id AS ${alias}_project, ${alias}.commit_sha AS ${alias}_sha,
   ${alias}.bundle_digest AS ${alias}_digest, ${alias}.runtime_env_enc AS ${alias}_env,
   coalesce(${alias}.build_settings->>'spaFallback', 'false') = 'true' AS ${alias}_spa,
   coalesce(${alias}.build_settings->>'runtime', 'static') = 'server' AS ${alias}_server,
   p.slug AS ${alias}_slug, p.sandbox_id AS ${alias}_sandbox, coalesce(p.egress_allow, '{}') AS ${alias}_allow, p.hsts AS ${alias}_hsts,
   ${alias}.expires_at AS ${alias}_expires`;

const ROUTES_SQL = `
  SELECT r.name, r.kind, r.project_id, r.version, r.canary_weight, p.slug,
         ${deploymentColumns("l")}, ${deploymentColumns("c")}
  FROM routes r
  JOIN projects p ON p.id = r.project_id
  LEFT JOIN deployments l ON l.id = r.live_deployment_id AND l.bundle_digest IS NOT NULL
  LEFT JOIN deployments c ON c.id = r.canary_deployment_id AND c.bundle_digest IS NOT NULL`;

type Row = Record<string, unknown>;

function deploymentFrom(row: Row, alias: string): DeploymentRef | null {
  if (row[`${alias}_id`] == null) return null;
  return {
    id: row[`${alias}_id`] as string,
    projectId: row[`${alias}_project`] as string,
    projectSlug: row[`${alias}_slug`] as string,
    sha: row[`${alias}_sha`] as string,
    bundleDigest: row[`${alias}_digest`] as string,
    runtimeEnvEnc: (row[`${alias}_env`] as string | null) ?? null,
    spaFallback: row[`${alias}_spa`] === true,
    server: row[`${alias}_server`] === true,
    sandboxId: Number(row[`${alias}_sandbox`]),
    egressAllow: (row[`${alias}_allow`] as string[] | null) ?? [],
    expiresAt: (row[`${alias}_expires`] as Date | null) ?? null,
    hsts: row[`${alias}_hsts`] === true,
  };
}

function routeFrom(row: Row): RouteEntry {
  return {
    name: row.name as string,
    kind: row.kind as RouteEntry["kind"],
    projectId: row.project_id as string,
    slug: row.slug as string,
    version: Number(row.version),
    live: deploymentFrom(row, "l"),
    canary: deploymentFrom(row, "c"),
    canaryWeight: Number(row.canary_weight),
  };
}

export async function loadAllRoutes(db: Queryable): Promise<{ routes: RouteEntry[]; domains: Map<string, string> }> {
  const [routes, domains] = await Promise.all([db.query(ROUTES_SQL), loadDomains(db)]);
  return { routes: routes.rows.map(routeFrom), domains };
}

export async function loadRoute(db: Queryable, name: string): Promise<RouteEntry | null> {
  const { rows } = await db.query(`${ROUTES_SQL} WHERE r.name = $1`, [name]);
  return rows.length ? routeFrom(rows[0]) : null;
}

// Verified custom domains, each pointing at its project's production route or
// at one branch's route.
export async function loadDomains(db: Queryable): Promise<Map<string, string>> {
  const { rows } = await db.query(
    `SELECT d.hostname, d.branch, p.slug FROM domains d JOIN projects p ON p.id = d.project_id WHERE d.status = 'verified'`,
  );
  return new Map(rows.map((r) => [r.hostname as string, r.branch ? branchRouteName(r.slug, r.branch) : productionRouteName(r.slug)]));
}

// One deployment addressed by its own host name: any deployment of that
// project that has been published (so its bundle is complete and verified)
// and whose lifetime, if it has one, has not ended.
export async function loadDeploymentForHost(db: Queryable, slug: string, id: string): Promise<DeploymentRef | null> {
  const { rows } = await db.query(
    `SELECT ${deploymentColumns("d")}
     FROM deployments d
     JOIN projects p ON p.id = d.project_id
     JOIN bundles b ON b.digest = d.bundle_digest
     WHERE d.id = $1 AND p.slug = $2 AND b.verified_at IS NOT NULL AND d.status IN ('canary', 'live', 'superseded')
       AND (d.expires_at IS NULL OR d.expires_at > now())`,
    [id, slug],
  );
  return rows.length ? deploymentFrom(rows[0], "d") : null;
}

export async function loadManifest(db: Queryable, digest: string): Promise<ManifestEntry[]> {
  const { rows } = await db.query(
    `SELECT path, size, sha256, content_type FROM manifest_entries WHERE bundle_digest = $1`,
    [digest],
  );
  return rows.map((r) => ({ path: r.path, size: Number(r.size), sha256: r.sha256, contentType: r.content_type }));
}

// The ready instances of server deployments on this machine, by deployment:
// the Unix sockets the router may send their requests to (lib/runtime/).
export async function loadReadyInstances(db: Queryable, node: string): Promise<{ ready: Map<string, string[]>; labels: Map<string, string> }> {
  const { rows } = await db.query(
    `SELECT deployment_id, socket_path, slot FROM runtime_instances WHERE node = $1 AND state = 'ready' AND socket_path IS NOT NULL ORDER BY deployment_id, slot`,
    [node],
  );
  const ready = new Map<string, string[]>();
  // Each socket's instance as the runtime logs name it.
  const labels = new Map<string, string>();
  for (const r of rows) {
    const list = ready.get(r.deployment_id) ?? [];
    list.push(r.socket_path);
    ready.set(r.deployment_id, list);
    labels.set(r.socket_path, instanceLabel(node, r.slot));
  }
  return { ready, labels };
}

/** A server deployment is wanted now (a request for it), so its runtime starts or stays up (a failed one stays failed). Returns its state. */
export async function requestRuntime(db: Queryable, deploymentId: string): Promise<string> {
  const { rows } = await db.query(REQUEST_RUNTIME_SQL, [deploymentId, false]);
  return rows[0].state as string;
}
