// The reference model of one production route, for the model-checked property
// test of publish / promote / rollback / rollouts (promote-model.int.test.ts).
// Plain data, written from the README ("Serving, promoting and rolling back",
// "Canary rollouts") and not from the verbs: deployments are numbered 1, 2, …
// in creation order; each has a status and the rollout choice it was built
// with; at most one rollout is in progress; a rollback promotes the one that
// was live before the live one.

export type DStatus = "uploading" | "canary" | "live" | "superseded" | "failed" | "canceled";
export type RStatus = "running" | "paused" | "succeeded" | "rolled_back" | "aborted";
export type Choice = "skip" | number[];
export type ModelRollout = { canary: number; baseline: number; stages: number[]; stageIndex: number; status: RStatus };
export type Control = "abort" | "pause" | "resume" | "promote";

export class PromoteModel {
  readonly status = new Map<number, DStatus>();
  readonly choice = new Map<number, Choice>();
  readonly rollouts = new Map<number, ModelRollout>(); // by canary deployment
  readonly history: number[] = []; // every deployment that went live, in order (the last one is live)

  clone(): PromoteModel {
    const c = new PromoteModel();
    for (const [n, s] of this.status) c.status.set(n, s);
    for (const [n, ch] of this.choice) c.choice.set(n, ch);
    for (const [n, r] of this.rollouts) c.rollouts.set(n, { ...r });
    c.history.push(...this.history);
    return c;
  }

  get live(): number | null {
    return this.history.at(-1) ?? null;
  }
  // What a rollback promotes: the one that was live before the live one.
  get previousLive(): number | null {
    return this.history.length >= 2 ? this.history[this.history.length - 2] : null;
  }

  get active() {
    return [...this.rollouts.values()].find((r) => r.status === "running" || r.status === "paused") ?? null;
  }
  get canary() {
    return this.active?.canary ?? null;
  }
  get weight() {
    const a = this.active;
    return a ? a.stages[a.stageIndex] : 0;
  }

  // A new deployment, as the pipeline leaves it before publish ("uploading"), or failed before that.
  create(choice: Choice, status: "uploading" | "failed"): number {
    const n = this.status.size + 1;
    this.status.set(n, status);
    this.choice.set(n, choice);
    return n;
  }

  // Publish: only an uploading deployment. A rollout in progress is aborted
  // first; with a live one and rollout stages it becomes the canary at the
  // first stage, otherwise it goes live.
  publish(n: number): "live" | "canary" | null {
    if (this.status.get(n) !== "uploading") return null;
    this.stopActive("aborted", "canceled");
    const choice = this.choice.get(n)!;
    if (this.live !== null && choice !== "skip") {
      this.status.set(n, "canary");
      this.rollouts.set(n, { canary: n, baseline: this.live, stages: choice, stageIndex: 0, status: "running" });
      return "canary";
    }
    this.goLive(n);
    return "live";
  }

  // Promote / rollback: live or superseded (or the canary: promote now), else refused.
  promote(n: number): boolean {
    const s = this.status.get(n);
    if (s === "canary") return this.control(n, "promote");
    if (s !== "live" && s !== "superseded") return false;
    this.stopActive("aborted", "canceled");
    if (this.live !== n) this.goLive(n);
    return true;
  }

  // Cancel: only a deployment that is not live yet.
  cancel(n: number): boolean {
    if (this.status.get(n) !== "uploading") return false;
    this.status.set(n, "canceled");
    return true;
  }

  // The build fails after the upload started (uploading → failed).
  fail(n: number): boolean {
    if (this.status.get(n) !== "uploading") return false;
    this.status.set(n, "failed");
    return true;
  }

  // The manual controls on the rollout of canary deployment `n`.
  control(n: number, verb: Control): boolean {
    const r = this.rollouts.get(n);
    if (!r) return false;
    const allowed = { abort: ["running", "paused"], pause: ["running"], resume: ["paused"], promote: ["running", "paused"] }[verb];
    if (!allowed.includes(r.status)) return false;
    if (verb === "abort") this.stopActive("aborted", "canceled");
    if (verb === "pause") r.status = "paused";
    if (verb === "resume") r.status = "running";
    if (verb === "promote") this.complete(r);
    return true;
  }

  // A controller tick whose verdict on the running rollout is `verdict`; a paused rollout is not judged.
  tick(verdict: "pass" | "fail"): "advanced" | "succeeded" | "rolled_back" | null {
    const r = this.active;
    if (!r || r.status !== "running") return null;
    if (verdict === "fail") {
      this.stopActive("rolled_back", "failed");
      return "rolled_back";
    }
    if (r.stageIndex + 1 < r.stages.length) {
      r.stageIndex++;
      return "advanced";
    }
    this.complete(r);
    return "succeeded";
  }

  private complete(r: ModelRollout) {
    r.status = "succeeded";
    this.goLive(r.canary);
  }

  private stopActive(end: "aborted" | "rolled_back", to: "canceled" | "failed") {
    const r = this.active;
    if (!r) return;
    r.status = end;
    this.status.set(r.canary, to);
  }

  private goLive(n: number) {
    if (this.live !== null) this.status.set(this.live, "superseded");
    this.status.set(n, "live");
    this.history.push(n);
  }
}
