// The four invariants of the crash trials, each checked against the database,
// the bundle store and the recorded answers (see RELIABILITY figures in the
// report of scripts/chaos.ts):
// a. every answer is whole: a 2xx names a deployment whose verified manifest
//    has exactly this body at this path, with that deployment's build SHA, and
//    the bundle was verified before the answer; any other HTTP answer is wrong;
//    a connection error is allowed only while the router is down or restarting;
// b. the live and canary pointers only ever name fully stored bundles;
// c. nothing is left mid-build without a worker, and no build process outlives it;
// d. each deployment's events are a path through the lifecycle.
import { readFile } from "node:fs/promises";
import path from "node:path";
import { MARKER_VAR } from "@/lib/build/sandbox/kill-marked";
import { createLocalStore } from "@/lib/bundles/store/local-store";
import type { Db } from "@/lib/db/client";
import { NEXT } from "@/lib/deployments/lifecycle";
import type { DeploymentStatus } from "@/lib/generated/prisma/enums";
import { findPids } from "@/lib/platform/find-pids";
import type { Answer } from "@/scripts/chaos/traffic";

export type Violation = { invariant: "a" | "b" | "c" | "d"; detail: string };
export type Window = { from: number; to: number };

type Served = { sha: string; verifiedAt: number | null; files: Map<string, string> };

export class Invariants {
  private served = new Map<string, Served | null>();
  private storedDigests = new Set<string>();
  private readonly store;

  constructor(
    private readonly db: Db,
    dataDir: string,
  ) {
    this.store = createLocalStore(path.join(dataDir, "store"));
  }

  /** (a) `routerDown`: from each router kill to its restart being ready, plus a grace for connections opened just before. */
  async answers(answers: Answer[], routerDown: Window[]): Promise<Violation[]> {
    const out: Violation[] = [];
    const down = (a: Answer) => routerDown.some((w) => a.done >= w.from && a.sent <= w.to);
    for (const a of answers) {
      const what = `${a.keepAlive ? "keep-alive" : "fresh"} GET ${a.path} sent ${iso(a.sent)}`;
      if (a.status === 0) {
        if (!down(a)) out.push({ invariant: "a", detail: `${what}: connection error "${a.error}" while the router was up` });
        continue;
      }
      if (a.status < 200 || a.status > 299) {
        out.push({ invariant: "a", detail: `${what}: HTTP ${a.status} (deployment ${a.deployment ?? "none"}) for a path every deployment has` });
        continue;
      }
      const d = a.deployment ? await this.deployment(a.deployment) : null;
      if (!d) {
        out.push({ invariant: "a", detail: `${what}: 2xx naming no known deployment (${a.deployment ?? "no header"})` });
        continue;
      }
      const file = a.path === "/" ? "index.html" : a.path.slice(1);
      if (d.files.get(file) !== a.bodySha256) {
        const elsewhere = [...d.files.values()].includes(a.bodySha256!);
        out.push({ invariant: "a", detail: `${what}: body sha256 ${a.bodySha256?.slice(0, 12)} is not ${file} of ${a.deployment}${elsewhere ? " (it is another of its files)" : ""}` });
      }
      if (a.sha !== d.sha) out.push({ invariant: "a", detail: `${what}: x-slipway-sha ${a.sha} but ${a.deployment} was built from ${d.sha}` });
      if (d.verifiedAt === null || d.verifiedAt > a.done) {
        out.push({ invariant: "a", detail: `${what}: served from ${a.deployment} whose bundle was ${d.verifiedAt === null ? "never" : `only at ${iso(d.verifiedAt)}`} verified` });
      }
    }
    return out;
  }

  /** (b) The routes' live and canary deployments right now, each with a verified bundle whose manifest is complete and whose blobs are all in the store. */
  async pointers(): Promise<Violation[]> {
    const rows = await this.db.$queryRaw<{ route: string; slot: string; id: string; digest: string | null; verified: boolean; file_count: number | null; entries: bigint }[]>`
      SELECT r.name AS route, s.slot, d.id::text, b.digest, b.verified_at IS NOT NULL AS verified, b.file_count,
             (SELECT count(*) FROM manifest_entries m WHERE m.bundle_digest = b.digest) AS entries
      FROM routes r
      CROSS JOIN LATERAL (VALUES ('live', r.live_deployment_id), ('canary', r.canary_deployment_id)) AS s(slot, deployment_id)
      JOIN deployments d ON d.id = s.deployment_id
      LEFT JOIN bundles b ON b.digest = d.bundle_digest`;
    const out: Violation[] = [];
    for (const r of rows) {
      const where = `route ${r.route} ${r.slot} → ${r.id}`;
      if (!r.digest || !r.verified) out.push({ invariant: "b", detail: `${where}: bundle ${r.digest ?? "none"} not verified` });
      else if (r.file_count !== Number(r.entries)) out.push({ invariant: "b", detail: `${where}: manifest has ${r.entries} of ${r.file_count} files` });
      else {
        const missing = await this.missingBlobs(r.digest);
        if (missing.length) out.push({ invariant: "b", detail: `${where}: ${missing.length} blob(s) missing or corrupt in the store, e.g. ${missing[0]}` });
      }
    }
    return out;
  }

  /**
   * (c) After the trial settled (every role up again for longer than a lost
   * build takes to be failed): nothing queued or mid-build, every canary the
   * canary of its route under a rollout still running or paused, and no
   * process of any build (marked with its deployment id) left.
   */
  async settled(): Promise<Violation[]> {
    const out: Violation[] = [];
    const stuck = await this.db.deployment.findMany({
      where: { status: { in: ["queued", "building", "built", "uploading"] } },
      select: { id: true, status: true, workerId: true, heartbeatAt: true, createdAt: true },
    });
    for (const d of stuck) {
      // Its build job as graphile-worker holds it: who locked it, and its queue.
      const jobs = await this.db.$queryRaw<{ locked_by: string | null; attempts: number; last_error: string | null; queue_locked_by: string | null }[]>`
        SELECT j.locked_by, j.attempts, j.last_error, q.locked_by AS queue_locked_by
        FROM graphile_worker._private_jobs j LEFT JOIN graphile_worker._private_job_queues q ON q.id = j.job_queue_id
        WHERE j.payload->>'deploymentId' = ${d.id}`;
      const job = jobs[0] ? `job locked by ${jobs[0].locked_by ?? "nobody"} after ${jobs[0].attempts} attempt(s), queue locked by ${jobs[0].queue_locked_by ?? "nobody"}` : "no job left";
      out.push({ invariant: "c", detail: `${d.id} still ${d.status} (worker ${d.workerId ?? "none"}, last beat ${d.heartbeatAt ? iso(d.heartbeatAt.getTime()) : "never"}, created ${iso(d.createdAt.getTime())}; ${job})` });
    }
    const canaries = await this.db.$queryRaw<{ id: string; routed: boolean; rollout: string | null }[]>`
      SELECT d.id::text,
             EXISTS (SELECT 1 FROM routes r WHERE r.canary_deployment_id = d.id) AS routed,
             (SELECT o.status::text FROM rollouts o WHERE o.canary_deployment_id = d.id AND o.status IN ('running', 'paused') LIMIT 1) AS rollout
      FROM deployments d WHERE d.status = 'canary'`;
    for (const c of canaries) {
      if (!c.routed || !c.rollout) out.push({ invariant: "c", detail: `${c.id} is canary but ${!c.routed ? "no route's canary" : "under no running or paused rollout"}` });
    }
    // One scan of /proc for every build-marked process, kept when its marker is one of our deployments (other runs share the machine).
    const ours = new Set((await this.db.deployment.findMany({ select: { id: true } })).map((d) => d.id));
    const marked = new Map<number, string>();
    await findPids("environ", (environ) => {
      const m = MARKED.exec(environ.toString("latin1"));
      return m !== null && ours.has(m[1]);
    }).then(async (pids) => {
      for (const pid of pids) marked.set(pid, await readFile(`/proc/${pid}/cmdline`, "latin1").then((c) => c.replaceAll("\0", " ").trim(), () => "?"));
    });
    for (const [pid, cmd] of marked) out.push({ invariant: "c", detail: `build process ${pid} (${cmd}) still running with no build in progress` });
    return out;
  }

  /** (d) Every deployment's events: starts at queued, each from = the previous to, each step allowed by NEXT, ends at its status. */
  async events(): Promise<Violation[]> {
    const deployments = await this.db.deployment.findMany({ select: { id: true, status: true } });
    const events = await this.db.deploymentEvent.findMany({ orderBy: { id: "asc" }, select: { deploymentId: true, fromStatus: true, toStatus: true } });
    const byDeployment = new Map<string, { fromStatus: DeploymentStatus | null; toStatus: DeploymentStatus }[]>();
    for (const e of events) byDeployment.set(e.deploymentId, [...(byDeployment.get(e.deploymentId) ?? []), e]);
    const out: Violation[] = [];
    for (const d of deployments) {
      const path = byDeployment.get(d.id) ?? [];
      const text = path.map((e) => `${e.fromStatus ?? "∅"}→${e.toStatus}`).join(" ");
      const bad = (why: string) => out.push({ invariant: "d", detail: `${d.id}: ${why} (events: ${text || "none"})` });
      if (path.length === 0 || path[0].fromStatus !== null || path[0].toStatus !== "queued") {
        bad("does not start at queued");
        continue;
      }
      for (let i = 1; i < path.length; i++) {
        const prev = path[i - 1].toStatus;
        const e = path[i];
        if (e.fromStatus !== prev) bad(`step ${i} starts at ${e.fromStatus}, not at ${prev}`);
        else if (!NEXT[prev].includes(e.toStatus)) bad(`step ${i} ${prev}→${e.toStatus} is not allowed`);
      }
      if (path.at(-1)!.toStatus !== d.status) bad(`ends at ${path.at(-1)!.toStatus} but the deployment is ${d.status}`);
    }
    return out;
  }

  private async deployment(id: string): Promise<Served | null> {
    // Cached once verified: a verified bundle never changes.
    const known = this.served.get(id);
    if (known?.verifiedAt) return known;
    const d = await this.db.deployment.findUnique({ where: { id }, select: { commitSha: true, bundleDigest: true, bundle: { select: { verifiedAt: true } } } }).catch(() => null);
    if (!d) return null;
    const entries = d.bundleDigest ? await this.db.manifestEntry.findMany({ where: { bundleDigest: d.bundleDigest }, select: { path: true, sha256: true } }) : [];
    const served: Served = { sha: d.commitSha, verifiedAt: d.bundle?.verifiedAt?.getTime() ?? null, files: new Map(entries.map((e) => [e.path, e.sha256])) };
    this.served.set(id, served);
    return served;
  }

  private async missingBlobs(digest: string): Promise<string[]> {
    if (this.storedDigests.has(digest)) return [];
    const entries = await this.db.manifestEntry.findMany({ where: { bundleDigest: digest }, select: { path: true, sha256: true, size: true } });
    const missing: string[] = [];
    for (const e of entries) if (!(await this.store.verify(e.sha256, Number(e.size)))) missing.push(e.path);
    // Blobs are immutable and never collected: once all there, always all there.
    if (missing.length === 0) this.storedDigests.add(digest);
    return missing;
  }
}

const MARKED = new RegExp(`(?:^|\\0)${MARKER_VAR}=([0-9a-f-]{36})(?:\\0|$)`);
const iso = (ms: number) => new Date(ms).toISOString().slice(11, 23);
