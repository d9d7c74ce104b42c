// `npm run test:chaos`: crash trials. The platform (embedded Postgres, the
// console, the worker, the router) on free ports and a throwaway data
// directory; visitors request the app through the router the whole time;
// each trial SIGKILLs one process during a deploy, an upload, a rollout or a
// promote, starts it again, lets the platform settle and checks the
// invariants (scripts/chaos/invariants.ts). Exit 1 on any violation.
//
// CHAOS_TRIALS (default 200), CHAOS_SEED (default: random, printed),
// CHAOS_TRIAL=<n>: replay trial n of that seed alone.
import { onCleanup, sleep } from "@/bench/lib/proc";
import { APP_PATHS, createChaosApp } from "@/scripts/chaos/app";
import { Invariants, type Violation, type Window } from "@/scripts/chaos/invariants";
import { type ChaosPlatform, ROLES, startChaosPlatform } from "@/scripts/chaos/platform";
import { Traffic } from "@/scripts/chaos/traffic";
import { planTrial, SCENARIOS, SETTLE_TIMEOUT_MS, TrialRunner } from "@/scripts/chaos/trial";

const TRIALS = Number(process.env.CHAOS_TRIALS ?? 200);
const SEED = Number(process.env.CHAOS_SEED ?? Math.floor(Math.random() * 2 ** 31));
const ONLY = process.env.CHAOS_TRIAL === undefined ? null : Number(process.env.CHAOS_TRIAL);
// Answers on connections opened just before the router was killed can fail up to this long after its restart.
const ROUTER_GRACE_MS = 1000;
const POINTER_EVERY_MS = 100;

type Found = Violation & { trial: number };
let platform: ChaosPlatform | undefined;

async function main() {
  const started = Date.now();
  const indexes = ONLY === null ? [...Array(TRIALS).keys()] : [ONLY];
  console.log(`chaos: seed ${SEED}, ${indexes.length} trial(s)${ONLY === null ? "" : ` (replaying trial ${ONLY})`}; starting the platform…`);
  platform = await startChaosPlatform((line) => console.log(`chaos: ${line}`));
  const app = await createChaosApp(platform.db);
  const runner = new TrialRunner(platform, app);
  const invariants = new Invariants(platform.db, platform.dataDir);
  const traffic = new Traffic(platform.routerPort, app.host, APP_PATHS);
  const stopTraffic = onCleanup(() => traffic.stop());

  // Two deployments before the traffic starts: something live, and something to promote back to.
  await runner.setRollout("skip");
  for (let i = 0; i < 2; i++) {
    const note = await runner.deploy();
    if (!(await runner.settle())) throw new Error(`the first deployments did not finish (${note}):\n${platform.output("worker").slice(-3000)}`);
  }
  const live = await platform.db.route.findFirst({ where: { liveDeploymentId: { not: null } } });
  if (!live) throw new Error("nothing went live before the trials");
  console.log(`chaos: platform up in ${((Date.now() - started) / 1000).toFixed(1)} s; trials start`);
  traffic.start();

  const found: Found[] = [];
  const counts = new Map<string, number>();
  let answers = 0;
  let connectionErrors = 0;
  const trialsStarted = Date.now();
  for (const index of indexes) {
    const plan = planTrial(SEED, index);
    const t0 = Date.now();
    const mine: Violation[] = [];
    // (b) sampled throughout the trial, not only once it settled.
    let sampling: Promise<void> | null = null;
    const sampler = setInterval(() => {
      sampling ??= invariants.pointers().then(
        (v) => void mine.push(...v),
        () => undefined,
      ).finally(() => (sampling = null));
    }, POINTER_EVERY_MS);
    const run = await runner.run(plan);
    const settled = await runner.settle();
    clearInterval(sampler);
    await sampling;
    // Some traffic after the settle, to see what the router serves then.
    await sleep(300);
    const recorded = traffic.take();
    const routerDown: Window[] = plan.victim === "router" && run.killedAt && run.readyAt ? [{ from: run.killedAt, to: run.readyAt + ROUTER_GRACE_MS }] : [];
    if (!settled) mine.push({ invariant: "c", detail: `not settled ${SETTLE_TIMEOUT_MS / 1000} s after the restart` });
    mine.push(...(await invariants.answers(recorded, routerDown)), ...(await invariants.pointers()), ...(await invariants.settled()), ...(await invariants.events()));
    const distinct = dedupe(mine);
    found.push(...distinct.map((v) => ({ ...v, trial: index })));
    const key = `${plan.scenario}/${plan.victim}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
    answers += recorded.length;
    const errors = recorded.filter((a) => a.status === 0).length;
    connectionErrors += errors;
    const verdict = distinct.length ? `${distinct.length} VIOLATION(S)` : "ok";
    console.log(
      `#${String(index).padStart(3)} ${key.padEnd(16)} ${((Date.now() - t0) / 1000).toFixed(1).padStart(5)} s  ${String(recorded.length).padStart(5)} answers, ${String(errors).padStart(3)} conn errors  ${verdict}  ${run.note}`,
    );
    for (const v of distinct) console.log(`      (${v.invariant}) ${v.detail}`);
  }
  await traffic.stop();
  stopTraffic();
  const trialSeconds = (Date.now() - trialsStarted) / 1000;

  console.log("\n=== chaos summary ===");
  console.log(`seed ${SEED}; trials run: ${indexes.length}; answers recorded: ${answers} (${connectionErrors} connection errors)`);
  console.log(`trials by scenario × victim:`);
  console.log(`  ${"".padEnd(10)}${ROLES.map((r) => r.padStart(9)).join("")}`);
  for (const s of SCENARIOS) console.log(`  ${s.padEnd(10)}${ROLES.map((r) => String(counts.get(`${s}/${r}`) ?? 0).padStart(9)).join("")}`);
  console.log(`violations: ${found.length}`);
  for (const v of found) console.log(`  trial ${v.trial} (replay: CHAOS_SEED=${SEED} CHAOS_TRIAL=${v.trial}) (${v.invariant}) ${v.detail}`);
  console.log(`time: ${trialSeconds.toFixed(0)} s of trials (${(trialSeconds / indexes.length).toFixed(1)} s per trial), ${((Date.now() - started) / 1000).toFixed(0)} s in all`);
  await platform.stop();
  process.exit(found.length ? 1 : 0);
}

// A violation seen by every pointer sample is reported once.
function dedupe(vs: Violation[]): Violation[] {
  const seen = new Set<string>();
  return vs.filter((v) => !seen.has(`${v.invariant}${v.detail}`) && seen.add(`${v.invariant}${v.detail}`));
}

main().catch(async (e) => {
  console.error(`chaos: ${(e as Error).stack ?? e}`);
  await platform?.stop();
  process.exit(2);
});
