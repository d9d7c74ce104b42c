// One crash trial: a scenario (deploy, upload, rollout, promote) and a victim
// (worker, router, console), both drawn from the trial's own seeded generator
// (CHAOS_SEED and the trial's index, so a trial can be replayed alone), the
// victim SIGKILLed at a random moment of the scenario and started again after
// a short random delay, then the platform left to settle.
import { sleep } from "@/bench/lib/proc";
import type { Prisma } from "@/lib/generated/prisma/client";
import { seededRandom } from "@/lib/rollouts/testing/random";
import { api, type ChaosApp, deployApp, newMarker } from "@/scripts/chaos/app";
import { type ChaosPlatform, type Role, ROLES } from "@/scripts/chaos/platform";

export const SCENARIOS = ["deploy", "upload", "rollout", "promote"] as const;
export type Scenario = (typeof SCENARIOS)[number];

export type TrialPlan = { index: number; scenario: Scenario; victim: Role; rand: () => number };
export type TrialRun = { killedAt: number | null; readyAt: number | null; note: string };

// Short canary stages so a rollout ends within a trial.
const CANARY: Prisma.InputJsonValue = { stages: [50, 100], observationWindowSec: 1, minSamples: 5, maxInconclusiveWindows: 3 };
// A killed worker's build is failed, and its locks freed, within about 5 + 5 + 5 s
// (heartbeat silence, reaper period, lock grace: lib/build/reap-lost-builds.ts,
// lib/jobs/release-dead-locks.ts); a build itself takes a few seconds on a loaded machine.
const DEPLOYS: Record<Exclude<Scenario, "promote">, { settings: Prisma.InputJsonValue; waitFor: "uploading" | "canary" | null; maxDelay: number }> = {
  deploy: { settings: "skip", waitFor: null, maxDelay: 3000 },
  upload: { settings: "skip", waitFor: "uploading", maxDelay: 30 },
  rollout: { settings: CANARY, waitFor: "canary", maxDelay: 3000 },
};
export const SETTLE_TIMEOUT_MS = 45_000;

export function planTrial(seed: number, index: number): TrialPlan {
  const rand = seededRandom((seed ^ Math.imul(index + 1, 0x9e3779b1)) >>> 0);
  const scenario = SCENARIOS[Math.floor(rand() * SCENARIOS.length)];
  const victim = ROLES[Math.floor(rand() * ROLES.length)];
  return { index, scenario, victim, rand };
}

const between = (rand: () => number, lo: number, hi: number) => Math.round(lo + rand() * (hi - lo));

export class TrialRunner {
  constructor(
    private readonly platform: ChaosPlatform,
    private readonly app: ChaosApp,
  ) {}

  async run(plan: TrialPlan): Promise<TrialRun> {
    const { rand } = plan;
    const run: TrialRun = { killedAt: null, readyAt: null, note: "" };
    const kill = async () => {
      run.killedAt = Date.now();
      await this.platform.kill(plan.victim);
    };
    let scenario: Promise<string>;
    switch (plan.scenario) {
      case "deploy":
      case "upload":
      case "rollout": {
        // deploy: killed at any moment of the build; upload: once it is uploading; rollout: while its canary takes traffic.
        const { settings, waitFor, maxDelay } = DEPLOYS[plan.scenario];
        await this.setRollout(settings);
        scenario = this.deploy();
        if (waitFor && !(await this.waitForStatus(waitFor, 20_000))) run.note = `${waitFor} not seen; `;
        await sleep(between(rand, 0, maxDelay));
        await kill();
        break;
      }
      case "promote": {
        const target = await this.promoteTarget(rand);
        if (!target) {
          run.note = "nothing to promote; ";
          scenario = Promise.resolve("");
        } else {
          const delay = between(rand, 0, 150);
          scenario = sleep(delay).then(() => this.promote(target));
        }
        await sleep(between(rand, 0, 400));
        await kill();
        break;
      }
    }
    await sleep(between(rand, 100, 1000));
    await this.platform.restart(plan.victim);
    run.readyAt = Date.now();
    run.note += await scenario;
    return run;
  }

  /** Waits until nothing is queued or mid-build and no rollout is running, or the timeout; false on timeout. */
  async settle(timeoutMs = SETTLE_TIMEOUT_MS): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const [{ busy }] = await this.platform.db.$queryRaw<{ busy: number }[]>`
        SELECT (SELECT count(*) FROM deployments WHERE status IN ('queued', 'building', 'built', 'uploading'))::int
             + (SELECT count(*) FROM rollouts WHERE status = 'running')::int AS busy`;
      if (busy === 0) return true;
      if (Date.now() > deadline) return false;
      await sleep(100);
    }
  }

  /** Uploads a deployment and waits for nothing; says what the console answered. */
  async deploy(): Promise<string> {
    const r = await deployApp(this.platform.consoleUrl, this.app, newMarker());
    return r.id ? `deployment ${r.id.slice(0, 8)}` : `upload refused: ${r.error?.slice(0, 80)}`;
  }

  private async promote(id: string): Promise<string> {
    const r = await api(this.platform.consoleUrl, this.app, "POST", `/api/deployments/${id}/promote`);
    return `promote ${id.slice(0, 8)}: ${r.ok ? "ok" : `${r.status} ${r.error.slice(0, 80)}`}`;
  }

  async setRollout(settings: Prisma.InputJsonValue) {
    await this.platform.db.project.update({ where: { slug: this.app.slug }, data: { rolloutSettings: settings } });
  }

  /** Half the time a rollback (the latest superseded), otherwise any earlier deployment that has been live. */
  private async promoteTarget(rand: () => number): Promise<string | null> {
    const old = await this.platform.db.deployment.findMany({
      where: { project: { slug: this.app.slug }, status: "superseded" },
      orderBy: { createdAt: "desc" },
      select: { id: true },
      take: 20,
    });
    if (old.length === 0) return null;
    return rand() < 0.5 ? old[0].id : old[Math.floor(rand() * old.length)].id;
  }

  private async waitForStatus(status: "uploading" | "canary", timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    const since = new Date();
    while (Date.now() < deadline) {
      const [row] = await this.platform.db.$queryRaw<{ n: number }[]>`
        SELECT count(*)::int AS n FROM deployment_events WHERE to_status = ${status}::"DeploymentStatus" AND created_at >= ${since}`;
      if (row.n > 0) return true;
      await sleep(status === "uploading" ? 2 : 20);
    }
    return false;
  }
}
