import { randomBytes } from "node:crypto";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { type Ctx, systemCtx } from "@/lib/auth/ctx";
import { buildManifest, manifestDigest } from "@/lib/bundles/build-manifest";
import { createLocalStore } from "@/lib/bundles/store/local-store";
import { uploadBlobs } from "@/lib/bundles/upload-blobs";
import { verifyBlobs } from "@/lib/bundles/verify-blobs";
import { cancelDeployment } from "@/lib/deployments/cancel-deployment";
import { BUILDING, NEXT, transition } from "@/lib/deployments/lifecycle";
import { AppError } from "@/lib/errors/app-error";
import type { Prisma } from "@/lib/generated/prisma/client";
import type { DeploymentStatus } from "@/lib/generated/prisma/enums";
import { abortRollout } from "@/lib/rollouts/abort-rollout";
import { pauseRollout } from "@/lib/rollouts/pause-rollout";
import { promoteRollout } from "@/lib/rollouts/promote-rollout";
import { resumeRollout } from "@/lib/rollouts/resume-rollout";
import { readStoredSettings } from "@/lib/rollouts/rollout-settings";
import { writeBucket } from "@/lib/rollouts/testing/rollout-fixture";
import { seededRandom } from "@/lib/rollouts/testing/random";
import { tickRollouts } from "@/lib/rollouts/tick-rollouts";
import { promoteDeployment } from "@/lib/routes/promote-deployment";
import { publishDeployment } from "@/lib/routes/publish-deployment";
import { type Choice, type Control, PromoteModel } from "@/lib/routes/testing/promote-model";
import { testDb } from "@/lib/testing/db";
import { makeApp, seedArchiveProject, testDataDir } from "@/lib/testing/deploy";

// Model-checked promote / rollback (issue 8, item 2). Random sequences of
// deploy / fail / promote / rollback / abort / promote now / pause / resume /
// cancel / controller verdicts run against the real verbs and the real
// Postgres, each sequence on a project of its own, next to a reference model
// (lib/routes/testing/promote-model.ts). After every step the production
// route's live and canary deployments and the canary's weight, every
// deployment's status, every rollout's status and stage, and the verb's answer
// (done or refused) must equal the model's; at most one deployment is live and
// it is the one the route serves (likewise the canary); the route's version
// moves by one exactly when what it serves changes. After
// each sequence every deployment's events must form a valid path through the
// lifecycle ending at its status.
//
// A few steps are races: two route-changing verbs at once (a deploy's
// publish, promote, rollback, a manual control, cancel, or a controller tick
// against a promote, control or cancel). They queue on the route's and the
// rollout's row locks, so the database must end as the model does after one of
// the two orders, with the answers of that order; a tick may also find the
// route or rollout busy and do nothing (the controller's SKIP LOCKED).
//
// Deployments are made the way the pipeline leaves them just before publish
// (queued → building → built → uploading, with a verified bundle), then the
// real publish verb runs; builds themselves are too slow for thousands of
// steps. Controller verdicts are driven by metric buckets and a `now` past the
// stage's window (stage windows are long, so real time never judges anything).
//
// Replay: SEED=<seed> (default below) picks every sequence; SEQ=<index> runs
// only that one; SEQUENCES=<n> changes how many. A failure prints the seed, the
// sequence's steps and a shrunk sequence that still fails. (A race may take
// the other order when replayed; the steps after it stay valid either way.)

const db = testDb();
const dataDir = testDataDir();

const SEED = Number(process.env.SEED || 0x5119_0a7);
const SEQUENCES = Number(process.env.SEQUENCES || 1000);
const ONLY = process.env.SEQ ? Number(process.env.SEQ) : null;
for (const [name, v] of Object.entries({ SEED, SEQUENCES, SEQ: ONLY ?? 0 })) {
  if (!Number.isSafeInteger(v) || v < 0) throw new Error(`${name} must be a whole number, not ${process.env[name]}`);
}
const CONCURRENCY = 8; // sequences at once (each on its own project)
const WINDOW_SEC = 3600;

// ── Steps ────────────────────────────────────────────────────────────────────
// Deployments are named by number (#1, #2, … in creation order), so a sequence
// can be printed, replayed and shrunk.

type Step =
  | { kind: "deploy"; choice?: Choice } // a build reaches upload, then publish; `choice` = its slipway.json canary
  | { kind: "fail" } // a new build fails before publish (building → failed)
  | { kind: "start"; choice?: Choice } // a build reaches upload; its publish comes later
  | { kind: "publish"; target: number } // the publish of #target (null unless it is still uploading)
  | { kind: "fail-upload"; target: number } // #target's upload fails (uploading → failed)
  | { kind: "cancel"; target: number }
  | { kind: "promote"; target: number }
  | { kind: "rollback" } // promote the previous live one
  | { kind: "control"; verb: Control; target: number } // on the rollout of canary #target
  | { kind: "tick"; verdict: "pass" | "fail" } // traffic that passes or fails the stage, then a controller tick
  | { kind: "race"; a: Racer; b: Racer }; // both at once (at most one deploy; a tick only against a promote, control or cancel)
type Racer = Extract<Step, { kind: "deploy" | "publish" | "promote" | "control" | "cancel" | "tick" }>;

const describeChoice = (c?: Choice) => (c === undefined ? "" : ` [slipway.json canary ${c === "skip" ? '"skip"' : c.join("→")}]`);
const describeStep = (s: Step): string => {
  switch (s.kind) {
    case "race":
      return `race: ${describeStep(s.a)} ‖ ${describeStep(s.b)}`;
    case "deploy":
    case "start":
      return `${s.kind}${describeChoice(s.choice)}`;
    case "fail":
    case "rollback":
      return s.kind;
    case "tick":
      return `tick ${s.verdict}`;
    case "control":
      return `${s.verb === "promote" ? "promote-now" : s.verb} rollout of #${s.target}`;
    default:
      return `${s.kind} #${s.target}`;
  }
};

// What the model says a step does: the verb's answer ("ok", "refused",
// publish's "live" | "canary" | "null", the controller's action or "none"), or
// "n/a" when the step names nothing that exists (only while shrinking).
function expected(m: PromoteModel, step: Step, projectChoice: Choice): string {
  const exists = (n: number) => m.status.has(n);
  switch (step.kind) {
    case "deploy":
      return String(m.publish(m.create(step.choice ?? projectChoice, "uploading")));
    case "start":
      m.create(step.choice ?? projectChoice, "uploading");
      return "ok";
    case "fail":
      m.create(projectChoice, "failed");
      return "ok";
    case "publish":
      return exists(step.target) ? String(m.publish(step.target)) : "n/a";
    case "fail-upload":
      return exists(step.target) ? (m.fail(step.target) ? "ok" : "refused") : "n/a";
    case "cancel":
      return exists(step.target) ? (m.cancel(step.target) ? "ok" : "refused") : "n/a";
    case "promote":
      return exists(step.target) ? (m.promote(step.target) ? "ok" : "refused") : "n/a";
    case "rollback":
      return m.previousLive === null ? "n/a" : m.promote(m.previousLive) ? "ok" : "refused";
    case "control":
      return m.rollouts.has(step.target) ? (m.control(step.target, step.verb) ? "ok" : "refused") : "n/a";
    case "tick":
      return m.tick(step.verdict) ?? "none";
    case "race":
      throw new Error("races have two outcomes: see orders()");
  }
}

// What the route serves, in the model.
const served = (m: PromoteModel) => `${m.live}|${m.canary}|${m.weight}`;

// A race's possible outcomes: the model after a then b, and after b then a,
// with each verb's answers and how many times what the route serves changed;
// with a tick, also the other verb alone and the tick doing nothing.
function orders(m: PromoteModel, race: Extract<Step, { kind: "race" }>, projectChoice: Choice) {
  const run = (name: string, order: Step[]) => {
    const model = m.clone();
    const answers = new Map<Step, string[]>([[race.a, ["none", "busy"]], [race.b, ["none", "busy"]]]);
    let changes = 0;
    for (const step of order) {
      const before = served(model);
      answers.set(step, [expected(model, step, projectChoice)]);
      if (served(model) !== before) changes++;
    }
    return { name, model, answers: [answers.get(race.a)!, answers.get(race.b)!], changes };
  };
  const outcomes = [run("a first", [race.a, race.b]), run("b first", [race.b, race.a])];
  if (race.a.kind === "tick") outcomes.push(run("tick idle", [race.b]));
  if (race.b.kind === "tick") outcomes.push(run("tick idle", [race.a]));
  return outcomes;
}

const pick = <T,>(rand: () => number, xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)];

function weighted<T>(rand: () => number, options: [number, T][]): T {
  const total = options.reduce((s, [w]) => s + w, 0);
  let x = rand() * total;
  for (const [w, v] of options) if ((x -= w) < 0) return v;
  return options[options.length - 1][1];
}

// Project kinds: straight to live, canary stages of ours, or the platform's default.
type ProjectKind = { name: string; settings: Prisma.InputJsonValue | null; choice: Choice };
const canarySettings = (stages: number[]) => ({ stages, observationWindowSec: WINDOW_SEC, minSamples: 30, maxInconclusiveWindows: 3 });
const PROJECT_KINDS: ProjectKind[] = [
  { name: "skip", settings: "skip", choice: "skip" },
  { name: "canary 5→25→50→100", settings: canarySettings([5, 25, 50, 100]), choice: [5, 25, 50, 100] },
  { name: "canary 10→100", settings: canarySettings([10, 100]), choice: [10, 100] },
  { name: "canary 100", settings: canarySettings([100]), choice: [100] },
  // The README's default: 5% → 25% → 50% → 100%, 5-minute windows, 100 samples.
  { name: "default", settings: null, choice: [5, 25, 50, 100] },
];
const OVERRIDES: Choice[] = ["skip", [20, 100], [1, 2, 3, 100]];

// A random sequence of 3–8 steps, each chosen from what the model's state allows.
function generate(rand: () => number): { kind: ProjectKind; steps: Step[] } {
  const kind = weighted<ProjectKind>(rand, [
    [3, PROJECT_KINDS[0]],
    [2, PROJECT_KINDS[1]],
    [2, PROJECT_KINDS[2]],
    [2, PROJECT_KINDS[3]],
    [1, PROJECT_KINDS[4]],
  ]);
  const m = new PromoteModel();
  const steps: Step[] = [];
  const length = 3 + Math.floor(rand() * 6);
  const override = () => (rand() < 0.1 ? pick(rand, OVERRIDES) : undefined);
  for (let i = 0; i < length; i++) {
    const all = [...m.status.keys()];
    const uploading = all.filter((n) => m.status.get(n) === "uploading");
    const promotable = all.filter((n) => ["live", "superseded", "canary"].includes(m.status.get(n)!));
    const withRollout = [...m.rollouts.keys()];
    const active = m.active;
    const controlVerb = () =>
      active?.status === "paused"
        ? weighted<Control>(rand, [[2, "abort"], [1, "pause"], [8, "resume"], [2, "promote"]])
        : weighted<Control>(rand, [[4, "abort"], [3, "pause"], [1, "resume"], [3, "promote"]]);
    // A tick races only verbs that publish nothing: a rollout published meanwhile would be
    // judged at the previous one's time, with no traffic yet (inconclusive, which no step models).
    const racer = (other?: Racer): Racer | null => {
      // Not two deploys (both would take the next number); no publish against a tick.
      const mayPublish = !other || (other.kind !== "deploy" && other.kind !== "publish" && other.kind !== "tick");
      const choices: [number, () => Racer][] = [
        [mayPublish ? 3 : 0, () => ({ kind: "deploy", choice: override() })],
        [uploading.length && mayPublish ? 2 : 0, () => ({ kind: "publish", target: pick(rand, uploading) })],
        [active?.status === "running" && (!other || other.kind === "promote" || other.kind === "control" || other.kind === "cancel") ? 3 : 0, () => ({ kind: "tick", verdict: rand() < 0.6 ? "pass" : "fail" })],
        [promotable.length ? 4 : 0, () => ({ kind: "promote", target: pick(rand, promotable) })],
        // A rollback: a race names its target, since "the previous live one" depends on the order.
        [m.previousLive !== null ? 2 : 0, () => ({ kind: "promote", target: m.previousLive! })],
        [active ? 4 : 0, () => ({ kind: "control", verb: controlVerb(), target: active!.canary })],
        [uploading.length ? 1 : 0, () => ({ kind: "cancel", target: pick(rand, uploading) })],
      ];
      return choices.some(([w]) => w > 0) ? weighted(rand, choices)() : null;
    };
    const race = (): Step => {
      const a = racer()!;
      const b = racer(a);
      return b ? { kind: "race", a, b } : a;
    };
    const options: [number, () => Step][] = [
      [i === 0 ? 20 : 22, () => ({ kind: "deploy", choice: override() })],
      [5, () => ({ kind: "fail" })],
      [uploading.length < 2 ? 4 : 0, () => ({ kind: "start", choice: override() })],
      [uploading.length ? 10 : 0, () => ({ kind: "publish", target: pick(rand, uploading) })],
      [all.length ? 1 : 0, () => ({ kind: "publish", target: pick(rand, all) })],
      [uploading.length ? 2 : 0, () => ({ kind: "fail-upload", target: pick(rand, uploading) })],
      [uploading.length ? 3 : 0, () => ({ kind: "cancel", target: pick(rand, uploading) })],
      [all.length ? 1 : 0, () => ({ kind: "cancel", target: pick(rand, all) })],
      [promotable.length ? 12 : 0, () => ({ kind: "promote", target: pick(rand, promotable) })],
      [all.length ? 5 : 0, () => ({ kind: "promote", target: pick(rand, all) })],
      [m.previousLive !== null ? 10 : 0, () => ({ kind: "rollback" })],
      [active ? (active.status === "paused" ? 60 : 14) : 0, () => ({ kind: "control", verb: controlVerb(), target: active!.canary })],
      [withRollout.length ? 4 : 0, () => ({ kind: "control", verb: pick<Control>(rand, ["abort", "pause", "resume", "promote"]), target: pick(rand, withRollout) })],
      [active ? (active.status === "paused" ? 3 : 14) : 0, () => ({ kind: "tick", verdict: rand() < 0.6 ? "pass" : "fail" })],
      [all.length ? 6 : 0, race],
    ];
    const step = weighted(rand, options)();
    if (step.kind === "race") for (const r of [step.a, step.b]) expected(m, r, kind.choice);
    else expected(m, step, kind.choice);
    steps.push(step);
  }
  return { kind, steps };
}

// ── The real side ────────────────────────────────────────────────────────────

let bundleDigest: string;

// One real bundle, as make-bundle and upload-bundle leave it: the manifest of
// an output directory, its blobs in the store, verified.
beforeAll(async () => {
  const outputDir = await makeApp({ "index.html": `<h1>model ${randomBytes(8).toString("hex")}</h1>`, "app.js": "console.log(1)" });
  const entries = await buildManifest(outputDir);
  bundleDigest = manifestDigest(entries);
  await db.$transaction(async (tx) => {
    await tx.bundle.createMany({ data: [{ digest: bundleDigest, fileCount: entries.length, totalBytes: entries.reduce((s, e) => s + e.size, 0) }], skipDuplicates: true });
    await tx.manifestEntry.createMany({
      data: entries.map((e) => ({ bundleDigest, path: e.path, size: e.size, sha256: e.sha256, contentType: e.contentType })),
      skipDuplicates: true,
    });
  });
  const store = createLocalStore(path.join(dataDir, "store"));
  await uploadBlobs(store, outputDir, entries);
  expect((await verifyBlobs(store, entries)).ok).toBe(true);
  await db.bundle.update({ where: { digest: bundleDigest }, data: { verifiedAt: new Date() } });
});

const BUILD = { kind: "system", job: "build-deployment" } as const;

type World = {
  model: PromoteModel;
  kind: ProjectKind;
  ctx: Ctx; // the project's owner
  project: { id: string; slug: string; productionBranch: string };
  userId: string;
  ids: Map<number, string>; // deployment number → id
};

// A deployment as the pipeline leaves it just before publish: uploading, with
// its verified bundle, its build settings and the events of queued → building
// → built → uploading; or one whose build failed (queued → building → failed).
// One statement, as transition() would have written them one by one.
async function createDeployment(w: World, n: number, choice: Choice | undefined, end: "uploading" | "failed") {
  // What resolveBuildSettings fixes: slipway.json's canary, else the project's, else the default.
  const canary = choice === undefined ? (w.kind.settings ?? { stages: [5, 25, 50, 100] }) : choice === "skip" ? "skip" : canarySettings(choice);
  const from = choice !== undefined ? "slipway.json" : w.kind.settings === null ? "default" : "project";
  const buildSettings = JSON.stringify({ outputDirectory: "dist", canary, from: { canary: from } });
  const path = end === "uploading" ? ["queued", "building", "built", "uploading"] : ["queued", "building", "failed"];
  const failure = end === "failed" ? "Command failed" : null;
  const [{ id }] = await db.$queryRaw<{ id: string }[]>`
    WITH d AS (
      INSERT INTO deployments (id, project_id, environment, branch, commit_sha, source_kind, source_ref, status, bundle_digest,
                               created_by_kind, created_by_id, build_settings, worker_id, heartbeat_at, started_at, finished_at,
                               failure_stage, failure_reason)
      VALUES (gen_random_uuid(), ${w.project.id}::uuid, 'production', ${w.project.productionBranch}, ${randomBytes(32).toString("hex")}, 'archive', 'upload',
              ${end}::"DeploymentStatus", ${end === "uploading" ? bundleDigest : null}, 'user', ${w.userId}::uuid, ${buildSettings}::jsonb,
              'model-test', now(), now(), ${failure ? new Date() : null}, ${failure ? "build" : null}, ${failure})
      RETURNING id
    ), e AS (
      INSERT INTO deployment_events (deployment_id, from_status, to_status, actor_kind, actor_id, reason)
      SELECT d.id, (${path}::text[])[i - 1]::"DeploymentStatus", (${path}::text[])[i]::"DeploymentStatus",
             CASE WHEN i = 1 THEN 'user' ELSE 'system' END::"ActorKind", CASE WHEN i = 1 THEN ${w.userId}::uuid END,
             CASE WHEN (${path}::text[])[i] = 'failed' THEN ${failure} END
      FROM d, generate_series(1, ${path.length}::int) AS i ORDER BY i
    )
    SELECT id::text FROM d`;
  w.ids.set(n, id);
}

// "ok", or "refused" for a conflict; anything else is thrown.
async function answer(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return "ok";
  } catch (e) {
    if (e instanceof AppError && e.code === "conflict") return "refused";
    throw e;
  }
}

const rolloutOf = async (w: World, n: number) => (await db.rollout.findFirstOrThrow({ where: { canaryDeploymentId: w.ids.get(n)! } })).id;

// Traffic for the running rollout's current stage (healthy on both arms, or
// the canary failing every request), then one controller tick with its clock
// past the stage's window. Returns the controller's action for this project.
async function tick(w: World, verdict: "pass" | "fail"): Promise<string> {
  const r = await db.rollout.findFirst({ where: { projectId: w.project.id, status: { in: ["running", "paused"] } } });
  let now = new Date(Date.now() + 2 * WINDOW_SEC * 1000);
  // A paused rollout is not judged; no traffic is written for it, so none is left over for after a resume.
  if (r && r.status === "running") {
    const windowMs = readStoredSettings(r.settings).observationWindowSec * 1000;
    const start = r.stageStartedAt.getTime();
    now = new Date(start + windowMs + 2000);
    const requests = 150;
    const latencies = Array.from({ length: requests }, () => 50);
    await writeBucket(db, r.canaryDeploymentId, { requests, errors: verdict === "fail" ? requests : 0, latencies, at: new Date(start + 1000) });
    if (r.baselineDeploymentId) {
      await writeBucket(db, r.baselineDeploymentId, { requests, errors: 0, latencies, at: new Date(start + 1000) });
      // A stage at 100% is compared with the baseline's previous window: before a single 100% stage, the window before it.
      if (r.stageIndex === 0) await writeBucket(db, r.baselineDeploymentId, { requests, errors: 0, latencies, at: new Date(start - windowMs / 2) });
    }
  }
  const outcomes = await tickRollouts(db, { projectIds: [w.project.id], now: () => now });
  const acted = outcomes.filter((o) => o.action !== "skipped");
  if (acted.length === 0) return "none";
  if (acted.length > 1 || acted[0].action === "error") throw new Error(`tick: ${JSON.stringify(outcomes)}`);
  return acted[0].action;
}

// Runs one step on the real verbs; returns the observed answer in expected()'s terms.
async function perform(w: World, step: Step, previousLive: number | null): Promise<string> {
  const id = (n: number) => w.ids.get(n)!;
  const has = (n: number) => w.ids.has(n);
  switch (step.kind) {
    case "deploy": {
      const n = w.ids.size + 1;
      await createDeployment(w, n, step.choice, "uploading");
      return String((await publishDeployment(systemCtx(db, "build-deployment"), id(n)))?.status ?? null);
    }
    case "start":
      await createDeployment(w, w.ids.size + 1, step.choice, "uploading");
      return "ok";
    case "fail":
      await createDeployment(w, w.ids.size + 1, undefined, "failed");
      return "ok";
    case "publish":
      if (!has(step.target)) return "n/a";
      return String((await publishDeployment(systemCtx(db, "build-deployment"), id(step.target)))?.status ?? null);
    case "fail-upload": {
      if (!has(step.target)) return "n/a";
      // As run-build's catch does when a stage after the bundle fails.
      const reason = "The store is missing or has corrupt blobs.";
      const moved = await db.$transaction((tx) =>
        transition(tx, { deploymentId: id(step.target), from: BUILDING, to: "failed", actor: BUILD, reason, data: { failureStage: "upload", failureReason: reason } }),
      );
      return moved ? "ok" : "refused";
    }
    case "cancel":
      return has(step.target) ? answer(cancelDeployment({ ctx: w.ctx, id: id(step.target) })) : "n/a";
    case "promote":
      return has(step.target) ? answer(promoteDeployment({ ctx: w.ctx, id: id(step.target) })) : "n/a";
    case "rollback":
      return previousLive === null ? "n/a" : answer(promoteDeployment({ ctx: w.ctx, id: id(previousLive) }));
    case "control": {
      if (!has(step.target) || !(await db.rollout.count({ where: { canaryDeploymentId: id(step.target) } }))) return "n/a";
      const verb = { abort: abortRollout, pause: pauseRollout, resume: resumeRollout, promote: promoteRollout }[step.verb];
      return answer(verb({ ctx: w.ctx, id: await rolloutOf(w, step.target) }));
    }
    case "tick":
      return tick(w, step.verdict);
    case "race":
      throw new Error("perform() runs one verb; runSequence() runs races");
  }
}

type RouteState = { live: string | null; canary: string | null; weight: number; version: number };
type Snapshot = {
  route: RouteState;
  deployments: { id: string; status: DeploymentStatus }[];
  rollouts: { canary: string; baseline: string | null; status: string; stageIndex: number; stages: number[] }[];
};

// The production route, the project's deployments and rollouts, in one query.
async function snapshot(projectId: string): Promise<Snapshot> {
  const [row] = await db.$queryRaw<{ s: Snapshot | string }[]>`
    SELECT json_build_object(
      'route', coalesce((SELECT json_build_object('live', live_deployment_id, 'canary', canary_deployment_id, 'weight', canary_weight, 'version', version)
                         FROM routes WHERE project_id = ${projectId}::uuid AND kind = 'production'),
                        json_build_object('live', NULL, 'canary', NULL, 'weight', 0, 'version', 0)),
      'deployments', coalesce((SELECT json_agg(json_build_object('id', id, 'status', status)) FROM deployments WHERE project_id = ${projectId}::uuid), '[]'),
      'rollouts', coalesce((SELECT json_agg(json_build_object('canary', canary_deployment_id, 'baseline', baseline_deployment_id, 'status', status,
                                                              'stageIndex', stage_index, 'stages', stages))
                            FROM rollouts WHERE project_id = ${projectId}::uuid), '[]')
    ) AS s`;
  return typeof row.s === "string" ? JSON.parse(row.s) : row.s;
}

// Every difference between the database and the model, in words. `changes`:
// how many times what the route serves changed (its version moves once per change).
function compare(w: World, m: PromoteModel, snap: Snapshot, version: number, changes: number): string[] {
  const problems: string[] = [];
  const name = new Map([...w.ids].map(([n, id]) => [id, `#${n}`]));
  const label = (id: string | null) => (id === null ? "none" : (name.get(id) ?? id));
  const idOf = (n: number | null) => (n === null ? null : w.ids.get(n)!);
  const { route, deployments, rollouts } = snap;

  const want = { live: idOf(m.live), canary: idOf(m.canary), weight: m.weight };
  if (route.live !== want.live) problems.push(`route live is ${label(route.live)}, model says ${label(want.live)}`);
  if (route.canary !== want.canary) problems.push(`route canary is ${label(route.canary)}, model says ${label(want.canary)}`);
  if (route.weight !== want.weight) problems.push(`route canary weight is ${route.weight}, model says ${want.weight}`);
  if (route.version - version !== changes) problems.push(`route version went ${version} → ${route.version} for ${changes} change(s) of what it serves`);

  const status = new Map(deployments.map((r) => [r.id, r.status]));
  for (const [n, s] of m.status) {
    const got = status.get(w.ids.get(n)!);
    if (got !== s) problems.push(`#${n} is ${got}, model says ${s}`);
  }
  if (deployments.length !== m.status.size) problems.push(`${deployments.length} deployments in the project, model has ${m.status.size}`);
  const live = deployments.filter((r) => r.status === "live");
  if (live.length !== (route.live ? 1 : 0) || (route.live && live[0].id !== route.live)) {
    problems.push(`live deployments: ${live.map((r) => label(r.id)).join(", ") || "none"}; the route serves ${label(route.live)}`);
  }
  const canaries = deployments.filter((r) => r.status === "canary");
  if (canaries.length !== (route.canary ? 1 : 0) || (route.canary && canaries[0].id !== route.canary)) {
    problems.push(`canary deployments: ${canaries.map((r) => label(r.id)).join(", ") || "none"}; the route's canary is ${label(route.canary)}`);
  }

  if (rollouts.length !== m.rollouts.size) problems.push(`${rollouts.length} rollouts in the project, model has ${m.rollouts.size}`);
  for (const r of rollouts) {
    const mr = m.rollouts.get(Number(label(r.canary).slice(1)));
    if (!mr) {
      problems.push(`a rollout of ${label(r.canary)} the model does not have`);
      continue;
    }
    const got = { status: r.status, stageIndex: r.stageIndex, baseline: label(r.baseline), stages: r.stages.join("→") };
    const exp = { status: mr.status, stageIndex: mr.stageIndex, baseline: `#${mr.baseline}`, stages: mr.stages.join("→") };
    if (JSON.stringify(got) !== JSON.stringify(exp)) problems.push(`rollout of #${mr.canary} is ${JSON.stringify(got)}, model says ${JSON.stringify(exp)}`);
  }
  return problems;
}

// Each deployment's events, in order, form a path through the lifecycle (NEXT) ending at its status.
async function checkEvents(w: World): Promise<string[]> {
  const problems: string[] = [];
  const number = new Map([...w.ids].map(([n, id]) => [id, n]));
  const ids = [...w.ids.values()];
  const events = await db.$queryRaw<{ deploymentId: string; from: DeploymentStatus | null; to: DeploymentStatus }[]>`
    SELECT deployment_id::text AS "deploymentId", from_status::text AS "from", to_status::text AS "to"
    FROM deployment_events WHERE deployment_id = ANY(${ids}::uuid[]) ORDER BY id`;
  const at = new Map<string, DeploymentStatus | null>(ids.map((id) => [id, null]));
  for (const e of events) {
    const from = at.get(e.deploymentId)!;
    if (from === null ? e.from !== null || e.to !== "queued" : e.from !== from || !NEXT[from].includes(e.to)) {
      problems.push(`#${number.get(e.deploymentId)}: event ${e.from ?? "∅"} → ${e.to} after ${from ?? "nothing"}`);
    }
    at.set(e.deploymentId, e.to);
  }
  for (const [n, s] of w.model.status) if (at.get(w.ids.get(n)!) !== s) problems.push(`#${n}: events end at ${at.get(w.ids.get(n)!)}, status is ${s}`);
  return problems;
}

type Failure = { step: number; problems: string[] };

const thrown = (e: unknown) => `threw ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`;

// The name a step's outcome is counted under, from the model before it.
function statName(step: Step, before: PromoteModel): string {
  switch (step.kind) {
    case "control":
      return step.verb === "promote" ? "promote-now" : step.verb;
    case "tick":
      return `tick ${step.verdict}`;
    case "promote":
      return before.status.get(step.target) === "canary" ? "promote canary" : "promote";
    case "deploy":
    case "publish":
      return before.active ? `${step.kind} over a rollout` : step.kind;
    default:
      return step.kind;
  }
}

// Runs a sequence on a new project; the first step after which the database and the model differ, or null.
async function runSequence(kind: ProjectKind, steps: Step[], stats?: Stats): Promise<Failure | null> {
  const seeded = await seedArchiveProject(db, { rolloutSettings: kind.settings });
  const w: World = { model: new PromoteModel(), kind, ctx: seeded.ctx, project: seeded.project, userId: seeded.user.id, ids: new Map() };
  let version = 0;
  for (let i = 0; i < steps.length; i++) {
    const step = steps[i];
    const before = w.model.clone();
    if (step.kind === "race") {
      const outcomes = orders(w.model, step, kind.choice);
      let got: string[];
      try {
        got = await Promise.all([perform(w, step.a, null), perform(w, step.b, null)]);
      } catch (e) {
        return { step: i, problems: [thrown(e)] };
      }
      const snap = await snapshot(w.project.id);
      const verdicts = outcomes.map((o) => {
        const problems = compare(w, o.model, snap, version, o.changes);
        if (!got.every((g, j) => o.answers[j].includes(g))) {
          problems.unshift(`the verbs answered ${got.join(" ‖ ")}, model says ${o.answers.map((a) => a.join(" or ")).join(" ‖ ")}`);
        }
        return { ...o, problems };
      });
      const match = verdicts.find((v) => v.problems.length === 0);
      if (!match) return { step: i, problems: verdicts.flatMap((v) => [`as if ${v.name}:`, ...v.problems.map((p) => `  ${p}`)]) };
      w.model = match.model;
      version = snap.route.version;
      stats?.count(`race${step.a.kind === "tick" || step.b.kind === "tick" ? " with a tick" : ""} → ${match.name}`);
      continue;
    }
    const previousLive = w.model.previousLive;
    const want = expected(w.model, step, kind.choice);
    let got: string;
    try {
      got = await perform(w, step, previousLive);
    } catch (e) {
      return { step: i, problems: [thrown(e)] };
    }
    const snap = await snapshot(w.project.id);
    const problems = compare(w, w.model, snap, version, served(before) === served(w.model) ? 0 : 1);
    if (got !== want) problems.unshift(`the verb answered ${got}, model says ${want}`);
    if (problems.length) return { step: i, problems };
    version = snap.route.version;
    stats?.count(`${statName(step, before)} → ${got}`);
  }
  const events = await checkEvents(w);
  return events.length ? { step: steps.length - 1, problems: events } : null;
}

// Shrinks a failing sequence: drops steps one at a time, and replaces a race
// by one of its verbs or both in turn, while the sequence still fails.
async function shrink(kind: ProjectKind, steps: Step[]): Promise<{ steps: Step[]; failure: Failure }> {
  let best = steps;
  let failure = (await runSequence(kind, steps))!;
  const candidates = function* (seq: Step[]) {
    for (let i = seq.length - 1; i >= 0; i--) {
      const step = seq[i];
      const replacements: Step[][] = [[]];
      if (step.kind === "race") replacements.push([step.a], [step.b], [step.a, step.b], [step.b, step.a]);
      for (const r of replacements) yield [...seq.slice(0, i), ...r, ...seq.slice(i + 1)];
    }
  };
  for (let progress = true; progress; ) {
    progress = false;
    for (const candidate of candidates(best)) {
      const f = await runSequence(kind, candidate);
      if (f) {
        [best, failure, progress] = [candidate, f, true];
        break;
      }
    }
  }
  return { steps: best.slice(0, failure.step + 1), failure };
}

class Stats {
  readonly counts = new Map<string, number>();
  count(key: string) {
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
  }
  get(prefix: string) {
    return [...this.counts].filter(([k]) => k.startsWith(prefix)).reduce((s, [, c]) => s + c, 0);
  }
}

const sequenceSeed = (i: number) => (SEED ^ Math.imul(i + 1, 0x9e3779b1)) >>> 0;
const listSteps = (steps: Step[]) => steps.map((s, i) => `  ${i + 1}. ${describeStep(s)}`).join("\n");

describe("promote / rollback against a reference model", () => {
  it(`agrees with the model over ${ONLY === null ? `${SEQUENCES} random sequences` : `sequence ${ONLY}`} (SEED=${SEED})`, { timeout: 300_000 }, async () => {
    const started = Date.now();
    const cpu0 = process.cpuUsage();
    const stats = new Stats();
    const indices = ONLY === null ? Array.from({ length: SEQUENCES }, (_, i) => i) : [ONLY];
    const failures: { index: number; kind: ProjectKind; steps: Step[]; failure: Failure }[] = [];
    let next = 0;
    let steps = 0;
    const worker = async () => {
      while (next < indices.length && failures.length === 0) {
        const index = indices[next++];
        const { kind, steps: seq } = generate(seededRandom(sequenceSeed(index)));
        if (ONLY !== null) console.log(`SEED=${SEED} SEQ=${index}: project "${kind.name}"\n${listSteps(seq)}`);
        steps += seq.length;
        const failure = await runSequence(kind, seq, stats);
        if (failure) failures.push({ index, kind, steps: seq, failure });
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    const used = process.cpuUsage(cpu0);
    const cpu = ((used.user + used.system) / 1e6).toFixed(1);

    if (failures.length) {
      const f = failures.sort((a, b) => a.index - b.index)[0];
      const shrunk = await shrink(f.kind, f.steps);
      expect.fail(
        [
          `SEED=${SEED} SEQ=${f.index}: project "${f.kind.name}", the database and the model differ after step ${f.failure.step + 1}:`,
          listSteps(f.steps),
          ...f.failure.problems.map((p) => `  ✗ ${p}`),
          `shrunk to ${shrunk.steps.length} step(s), failing after step ${shrunk.failure.step + 1}:`,
          listSteps(shrunk.steps),
          ...shrunk.failure.problems.map((p) => `  ✗ ${p}`),
          `replay: SEED=${SEED} SEQ=${f.index} npx vitest run --project integration lib/routes/promote-model.int.test.ts`,
        ].join("\n"),
      );
    }

    const summary = [...stats.counts].sort(([a], [b]) => a.localeCompare(b)).map(([k, c]) => `${k}: ${c}`).join(", ");
    console.log(`[promote-model] SEED=${SEED}: ${indices.length} sequences, ${steps} steps (${stats.get("race")} of them races of two verbs) in ${seconds} s (${cpu} s CPU in this process)\n  ${summary}`);
    if (ONLY === null && SEQUENCES >= 1000) {
      // The mix must keep exercising every kind of step and both answers (the
      // rarer outcomes, like a resume that succeeds, show in the summary above).
      const kinds = [
        ["deploy → live", "deploy → canary", "deploy over a rollout → canary", "deploy over a rollout → live", "publish → null", "fail → ok", "fail-upload → ok"],
        ["promote → ok", "promote → refused", "promote canary → ok", "rollback → ok", "cancel → ok", "cancel → refused"],
        ["abort → ok", "promote-now → ok", "pause → ok", "resume → refused"],
        ["tick pass → advanced", "tick pass → succeeded", "tick fail → rolled_back", "race → a first", "race → b first", "race with a tick"],
      ].flat();
      for (const key of kinds) expect(stats.get(key), key).toBeGreaterThan(0);
      const controlRefusals = ["abort", "pause", "promote-now"].map((verb) => stats.get(`${verb} → refused`));
      expect(controlRefusals.reduce((a, b) => a + b), "refused abort / pause / promote-now").toBeGreaterThan(0);
    }
  });
});
