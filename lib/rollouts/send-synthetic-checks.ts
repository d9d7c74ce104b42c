import http from "node:http";
import type { Db } from "@/lib/db/client";
import { COHORT_COOKIE } from "@/lib/router/server";
import { readStoredSettings, type SyntheticChecks } from "@/lib/rollouts/rollout-settings";

// Synthetic checks: load for apps with too little traffic to judge a canary.
// Every second of a running rollout whose settings have `synthetic`, one worker
// sends `requestsPerSec` requests to the canary and as many to the baseline,
// spread over the second and cycling through the paths. They go to the router
// like any visitor's, with the route's host and a cohort cookie that picks the
// arm (cohort 0 is always in the canary's share, 9999 always in the
// baseline's while it serves any), so the router measures them into the same
// buckets the analysis reads: a failing canary path fails the stage exactly as
// real traffic would. Nothing here comes from a request: the target is this
// platform's own router, the host its route's name.
//
// One sender per second per rollout, whichever workers run: each claims the
// second with one UPDATE … WHERE synthetic_second < $second on rows it can lock
// without waiting, so a second is claimed once (the controller's tick holding
// the row only delays the claim to the next worker loop).

export type SyntheticTarget = { routerUrl: string; appsDomain: string };

export type ClaimedChecks = { rolloutId: string; host: string; canaryCohort: number; baselineCohort: number | null; second: number; checks: SyntheticChecks };

export async function claimSyntheticChecks(db: Db, appsDomain: string, opts: { now?: Date; projectIds?: string[] } = {}): Promise<ClaimedChecks[]> {
  const second = Math.floor((opts.now ?? new Date()).getTime() / 1000);
  const rows = await db.$queryRaw<{ id: string; name: string; settings: unknown; weight: number }[]>`
    UPDATE rollouts r SET synthetic_second = ${second}
      FROM routes rt
     WHERE r.id IN (
             SELECT id FROM rollouts
              WHERE status = 'running' AND settings ? 'synthetic'
                AND (synthetic_second IS NULL OR synthetic_second < ${second})
                AND (${opts.projectIds ?? null}::uuid[] IS NULL OR project_id = ANY(${opts.projectIds ?? null}::uuid[]))
              FOR UPDATE SKIP LOCKED)
       AND rt.id = r.route_id
    RETURNING r.id::text, rt.name, r.settings, r.stages[r.stage_index + 1] AS weight`;
  return rows.flatMap((r) => {
    const { synthetic } = readStoredSettings(r.settings);
    if (!synthetic) return [];
    return [{ rolloutId: r.id, host: `${r.name}.${appsDomain}`, canaryCohort: 0, baselineCohort: r.weight < 100 ? 9999 : null, second, checks: synthetic }];
  });
}

export type CheckResult = { rolloutId: string; arm: "canary" | "baseline"; path: string; status: number | null; deployment: string | null };

const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
// A canary that hangs must not pile up requests without bound.
const MAX_IN_FLIGHT = 2000;
let inFlight = 0;

// Sends one claimed second of checks, spread evenly over `spreadMs`; resolves
// when every answer is in (or has failed: a refused connection is the
// router's problem, not a verdict on the canary, and the router measures
// every request it does answer, timeouts included).
export async function sendSyntheticChecks(target: SyntheticTarget, claimed: ClaimedChecks, spreadMs = 1000, timeoutMs = 30_000): Promise<CheckResult[]> {
  const { paths, requestsPerSec } = claimed.checks;
  const arms: Array<["canary" | "baseline", number]> = [["canary", claimed.canaryCohort]];
  if (claimed.baselineCohort !== null) arms.push(["baseline", claimed.baselineCohort]);
  const sends: Promise<CheckResult>[] = [];
  for (let i = 0; i < requestsPerSec; i++) {
    const path = paths[(claimed.second * requestsPerSec + i) % paths.length];
    const delay = Math.floor((i * spreadMs) / requestsPerSec);
    for (const [arm, cohort] of arms) {
      sends.push(
        new Promise<void>((r) => setTimeout(r, delay)).then(() =>
          send(target.routerUrl, claimed.host, path, cohort, timeoutMs).then((a) => ({ rolloutId: claimed.rolloutId, arm, path, ...a })),
        ),
      );
    }
  }
  return Promise.all(sends);
}

function send(routerUrl: string, host: string, path: string, cohort: number, timeoutMs: number): Promise<{ status: number | null; deployment: string | null }> {
  if (inFlight >= MAX_IN_FLIGHT) return Promise.resolve({ status: null, deployment: null });
  inFlight++;
  return new Promise<{ status: number | null; deployment: string | null }>((resolve) => {
    const req = http.request(
      new URL(path, routerUrl),
      {
        agent,
        timeout: timeoutMs,
        headers: { host, cookie: `${COHORT_COOKIE}=${cohort}`, "user-agent": "slipway-synthetic-check/1" },
      },
      (res) => {
        res.resume();
        const deployment = res.headers["x-slipway-deployment"];
        res.on("end", () => resolve({ status: res.statusCode ?? null, deployment: typeof deployment === "string" ? deployment : null }));
        res.on("error", () => resolve({ status: null, deployment: null }));
      },
    );
    req.on("timeout", () => req.destroy());
    req.on("error", () => resolve({ status: null, deployment: null }));
    req.end();
  }).finally(() => inFlight--);
}

// The worker's loop body: claim this second's checks and send them (not awaited
// past the claim, so a slow canary never delays the next second).
export async function runSyntheticChecks(db: Db, target: SyntheticTarget, opts: { now?: Date; projectIds?: string[] } = {}) {
  const claimed = await claimSyntheticChecks(db, target.appsDomain, opts);
  return { claimed, sent: Promise.all(claimed.map((c) => sendSyntheticChecks(target, c))) };
}
