import { describe, expect, it } from "vitest";
import {
  applyStaged,
  changesOf,
  pendingLabel,
  savedSummary,
  stage,
  tabCounts,
  tabGroups,
  touchesProduction,
  unstage,
  type EnvChange,
  type EnvChangePreview,
  type EnvVarView,
  type Staged,
} from "@/lib/ui/env-editor";
import { bulkChanges, changedOnly, changeFromForm, effectiveMutable, effectiveSensitive, emptyForm, formOf, formProblems, redeployTarget } from "@/lib/ui/env-var-form";

const view = (patch: Partial<EnvVarView> & Pick<EnvVarView, "id" | "key">): EnvVarView => ({
  value: "v",
  sensitive: false,
  mutable: false,
  public: false,
  targets: ["production"],
  branch: null,
  updatedAt: "2026-01-01T00:00:00.000Z",
  updatedBy: { name: "Ada", email: "ada@example.test" },
  ...patch,
});

const A = view({ id: "a", key: "API_URL", value: "https://api", targets: ["production", "preview"] });
const B = view({ id: "b", key: "SECRET", value: null, sensitive: true, targets: ["production"] });
const O = view({ id: "o", key: "API_URL", value: "https://feat", targets: ["preview"], branch: "feature/x" });

// Stages each change in turn with ids s1, s2, … against the stored rows A, B, O (and any given).
function stageAll(changes: EnvChange[], rows: EnvVarView[] = []): Staged[] {
  return changes.reduce((list, c, i) => {
    const result = stage(list, c, `s${i + 1}`, [A, B, O, ...rows]);
    if (!result.ok) throw new Error(result.message);
    return result.staged;
  }, [] as Staged[]);
}

describe("stage", () => {
  it("keeps separate changes in order", () => {
    const staged = stageAll([
      { op: "set", key: "NEW", value: "1", targets: ["development"] },
      { op: "delete", id: "b" },
    ]);
    expect(changesOf(staged)).toEqual([
      { op: "set", key: "NEW", value: "1", targets: ["development"] },
      { op: "delete", id: "b" },
    ]);
  });

  it("merges repeated edits of one stored variable into one update", () => {
    const staged = stageAll([
      { op: "update", id: "a", value: "x" },
      { op: "update", id: "a", targets: ["preview"] },
    ]);
    expect(changesOf(staged)).toEqual([{ op: "update", id: "a", value: "x", targets: ["preview"] }]);
  });

  it("replaces a pending edit with a delete, and a delete with a later edit", () => {
    expect(changesOf(stageAll([{ op: "update", id: "a", value: "x" }, { op: "delete", id: "a" }]))).toEqual([{ op: "delete", id: "a" }]);
    expect(changesOf(stageAll([{ op: "delete", id: "a" }, { op: "update", id: "a", value: "y" }]))).toEqual([{ op: "update", id: "a", value: "y" }]);
  });

  it("edits a staged new variable in place, keeping its value when none is given", () => {
    const staged = stageAll([
      { op: "set", key: "TOKEN", value: "t1", targets: ["production"], sensitive: true },
      { op: "set", key: "OTHER", value: "o", targets: ["preview"] },
      { op: "update", id: "staged:s1", targets: ["development", "production"] },
    ]);
    expect(changesOf(staged)).toEqual([
      { op: "set", key: "TOKEN", value: "t1", targets: ["production", "development"], sensitive: true },
      { op: "set", key: "OTHER", value: "o", targets: ["preview"] },
    ]);
  });

  it("drops a staged new variable that is deleted before Save", () => {
    const staged = stageAll([{ op: "set", key: "TOKEN", value: "t", targets: ["production"] }, { op: "delete", id: "staged:s1" }]);
    expect(staged).toEqual([]);
  });

  it("takes a set's environments away from earlier sets of the same key and branch only", () => {
    const staged = stageAll([
      { op: "set", key: "K", value: "1", targets: ["production", "preview"] },
      { op: "set", key: "K", value: "b", targets: ["preview"], branch: "feat" },
      { op: "set", key: "K", value: "2", targets: ["preview"] },
      { op: "set", key: "K", value: "3", targets: ["production"] },
    ]);
    expect(changesOf(staged)).toEqual([
      { op: "set", key: "K", value: "b", targets: ["preview"], branch: "feat" },
      { op: "set", key: "K", value: "2", targets: ["preview"] },
      { op: "set", key: "K", value: "3", targets: ["production"] },
    ]);
  });

  it("lets a set replace a pending delete or edit of a row it covers completely", () => {
    const afterDelete = stageAll([{ op: "delete", id: "b" }, { op: "set", key: "SECRET", value: "new", targets: ["production"], sensitive: true }]);
    expect(changesOf(afterDelete)).toEqual([{ op: "set", key: "SECRET", value: "new", targets: ["production"], sensitive: true }]);
    const afterEdit = stageAll([{ op: "update", id: "a", value: "x" }, { op: "set", key: "API_URL", value: "y", targets: ["production", "preview"] }]);
    expect(changesOf(afterEdit)).toEqual([{ op: "set", key: "API_URL", value: "y", targets: ["production", "preview"] }]);
  });

  it("refuses, like the server, two changes to one key, branch and environment", () => {
    const staged = stageAll([{ op: "update", id: "a", value: "x" }]);
    const result = stage(staged, { op: "set", key: "API_URL", value: "y", targets: ["production"] }, "s2", [A, B, O]);
    expect(result).toEqual({ ok: false, message: "API_URL already has an unsaved change for Production. Undo that change first, or edit it instead." });
    const override = stageAll([{ op: "set", key: "API_URL", value: "f", targets: ["preview"], branch: "feature/x" }]);
    expect(stage(override, { op: "delete", id: "o" }, "s2", [A, B, O])).toEqual({
      ok: false,
      message: "API_URL already has an unsaved change for Preview (branch feature/x). Undo that change first, or edit it instead.",
    });
    // Other branches and keys are separate.
    expect(stage(override, { op: "update", id: "a", value: "z" }, "s2", [A, B, O]).ok).toBe(true);
  });

  it("unstages one change by its local id", () => {
    const staged = stageAll([{ op: "delete", id: "a" }, { op: "delete", id: "b" }]);
    expect(changesOf(unstage(staged, "s1"))).toEqual([{ op: "delete", id: "b" }]);
  });
});

describe("applyStaged", () => {
  it("shows stored rows as saved, sorted by key then branch (no branch first)", () => {
    const rows = applyStaged([O, B, A], []);
    expect(rows.map((r) => [r.id, r.state])).toEqual([["a", "saved"], ["o", "saved"], ["b", "saved"]]);
  });

  it("marks new, edited and deleted rows with the change that made them", () => {
    const staged = stageAll([
      { op: "set", key: "NEW_KEY", value: "n", targets: ["development"] },
      { op: "update", id: "a", value: "https://v2" },
      { op: "delete", id: "b" },
    ]);
    const rows = applyStaged([A, B], staged);
    expect(rows.find((r) => r.key === "NEW_KEY")).toMatchObject({ id: "staged:s1", state: "new", stagedId: "s1", value: "n", updatedBy: null });
    expect(rows.find((r) => r.id === "a")).toMatchObject({ state: "edited", stagedId: "s2", value: "https://v2" });
    expect(rows.find((r) => r.id === "b")).toMatchObject({ state: "deleted", stagedId: "s3" });
  });

  it("never shows a value for a variable made sensitive, staged or stored", () => {
    const staged = stageAll([
      { op: "set", key: "TOKEN", value: "hunter2", targets: ["production"], sensitive: true },
      { op: "update", id: "a", sensitive: true, value: "new-secret" },
    ]);
    const rows = applyStaged([A], staged);
    expect(rows.map((r) => r.value)).toEqual([null, null]);
    expect(JSON.stringify(rows)).not.toContain("hunter2");
    expect(JSON.stringify(rows)).not.toContain("new-secret");
  });

  it("applies a set like the server: same key and branch lose those environments, emptied rows go", () => {
    const staged = stageAll([{ op: "set", key: "API_URL", value: "https://prod2", targets: ["production"] }]);
    const rows = applyStaged([A, O], staged);
    expect(rows.map((r) => [r.id, r.targets, r.state])).toEqual([
      ["a", ["preview"], "edited"],
      ["staged:s1", ["production"], "edited"],
      ["o", ["preview"], "saved"],
    ]);
    const replaced = applyStaged([B], stageAll([{ op: "set", key: "SECRET", value: "x", targets: ["production"], sensitive: true }]));
    expect(replaced.map((r) => [r.id, r.state])).toEqual([["staged:s1", "edited"]]);
  });

  it("flags public keys of staged variables", () => {
    const rows = applyStaged([], stageAll([{ op: "set", key: "VITE_TITLE", value: "Hi", targets: ["production"] }]));
    expect(rows[0].public).toBe(true);
  });
});

describe("tabGroups and tabCounts", () => {
  const rows = applyStaged(
    [A, B, O, view({ id: "lonely", key: "ONLY_BRANCH", targets: ["preview"], branch: "fix" })],
    stageAll([{ op: "delete", id: "b" }]),
  );

  it("lists a tab's variables with Preview branch overrides under their variable", () => {
    const preview = tabGroups(rows, "preview", "");
    expect(preview.map((g) => [g.key, g.row?.id ?? null, g.overrides.map((o) => o.id)])).toEqual([
      ["API_URL", "a", ["o"]],
      ["ONLY_BRANCH", null, ["lonely"]],
    ]);
    expect(tabGroups(rows, "production", "").map((g) => [g.key, g.overrides.length])).toEqual([["API_URL", 0], ["SECRET", 0]]);
  });

  it("filters by key, ignoring case and surrounding spaces", () => {
    expect(tabGroups(rows, "preview", "  api ").map((g) => g.key)).toEqual(["API_URL"]);
    expect(tabGroups(rows, "production", "nothing")).toEqual([]);
  });

  it("counts keys per environment without pending deletes", () => {
    expect(tabCounts(rows)).toEqual({ production: 1, preview: 2, development: 0 });
  });
});

describe("the add/edit dialog", () => {
  const editingSecret = applyStaged([B], [])[0];
  const editingA = applyStaged([A], [])[0];

  it("requires a key and an environment, and a branch only with Preview alone", () => {
    expect(formProblems(emptyForm("production"), null)).toEqual({ key: "Enter a key, like API_URL." });
    expect(formProblems({ ...emptyForm("production"), key: "K", targets: [] }, null)).toEqual({ targets: "Choose at least one environment." });
    expect(formProblems({ ...emptyForm("production"), key: "K", branch: "feat" }, null).branch).toMatch(/Preview only/);
    expect(formProblems({ ...emptyForm("preview"), key: "K", branch: "feat" }, null)).toEqual({});
  });

  it("leaves key syntax to the server, whose message names the key", () => {
    expect(formProblems({ ...emptyForm("production"), key: "1BAD" }, null)).toEqual({});
  });

  it("asks for a new value when a sensitive variable stops being sensitive", () => {
    const form = { ...formOf(editingSecret), sensitive: false };
    expect(formOf(editingSecret).value).toBe("");
    expect(formProblems(form, editingSecret).value).toMatch(/Enter a new value/);
    expect(formProblems({ ...form, value: "plain" }, editingSecret)).toEqual({});
  });

  it("never makes a public key sensitive or mutable", () => {
    expect(effectiveSensitive({ ...emptyForm("production"), key: "NEXT_PUBLIC_X", sensitive: true })).toBe(false);
    expect(effectiveMutable({ ...emptyForm("production"), key: "VITE_X", mutable: true })).toBe(false);
    expect(changeFromForm({ ...emptyForm("production"), key: " PUBLIC_GREETING ", value: "hi", sensitive: true, mutable: true }, null)).toEqual({
      op: "set",
      key: "PUBLIC_GREETING",
      value: "hi",
      targets: ["production"],
      branch: null,
      sensitive: false,
      mutable: false,
    });
  });

  it("stages a mutable flag like the server applies it: a new row keeps the flag of the one it replaces", () => {
    expect(changeFromForm({ ...formOf(editingA), mutable: true }, editingA)).toEqual({ op: "update", id: "a", mutable: true });
    const rows = [view({ id: "m", key: "FLAGS", mutable: true })];
    const staged = [{ id: "1", change: { op: "set" as const, key: "FLAGS", value: "x", targets: ["production" as const] } }];
    expect(applyStaged(rows, staged).map((r) => [r.key, r.mutable, r.state])).toEqual([["FLAGS", true, "edited"]]);
  });

  it("turns an edit into an update of the fields that changed, or nothing", () => {
    expect(changeFromForm(formOf(editingA), editingA)).toBeNull();
    expect(changeFromForm({ ...formOf(editingA), targets: ["preview", "production"] }, editingA)).toBeNull();
    expect(changeFromForm({ ...formOf(editingA), value: "https://v2", targets: ["production"] }, editingA)).toEqual({
      op: "update",
      id: "a",
      value: "https://v2",
      targets: ["production"],
    });
    // A sensitive value left empty is kept.
    expect(changeFromForm(formOf(editingSecret), editingSecret)).toBeNull();
    expect(changeFromForm({ ...formOf(editingSecret), value: "rotated" }, editingSecret)).toEqual({ op: "update", id: "b", value: "rotated" });
  });
});

describe("bulk paste", () => {
  const entries = [
    { key: "API_KEY", value: "k" },
    { key: "VITE_NAME", value: "n" },
  ];

  it("makes one set per entry for the chosen environment, never a sensitive public key", () => {
    const { changes, publicKeys } = bulkChanges(entries, { env: "production", branch: "ignored", sensitive: true });
    expect(changes).toEqual([
      { op: "set", key: "API_KEY", value: "k", targets: ["production"], branch: null, sensitive: true },
      { op: "set", key: "VITE_NAME", value: "n", targets: ["production"], branch: null },
    ]);
    expect(publicKeys).toEqual(["VITE_NAME"]);
    expect(bulkChanges(entries, { env: "preview", branch: " feat ", sensitive: false }).changes[0].branch).toBe("feat");
  });

  it("leaves the flag out with the toggle off, so a pasted value replacing a secret stays sensitive", () => {
    const { changes } = bulkChanges([{ key: "SECRET", value: "pasted" }], { env: "production", branch: "", sensitive: false });
    expect(changes[0]).not.toHaveProperty("sensitive");
    const rows = applyStaged([B], stageAll(changes));
    expect(rows).toMatchObject([{ key: "SECRET", sensitive: true, value: null, state: "edited" }]);
    expect(applyStaged([], stageAll(changes))).toMatchObject([{ key: "SECRET", sensitive: false, value: "pasted", state: "new" }]);
  });

  it("stages only what the dry run found changed", () => {
    const { changes } = bulkChanges(entries, { env: "production", branch: "", sensitive: false });
    const kept = changedOnly(changes, [
      { key: "API_KEY", branch: null, targets: ["production"], action: "unchanged", sensitive: false, mutable: false },
      { key: "VITE_NAME", branch: null, targets: ["production"], action: "added", sensitive: false, mutable: false },
    ]);
    expect(kept.map((c) => c.key)).toEqual(["VITE_NAME"]);
  });
});

describe("savedSummary", () => {
  const p = (key: string, action: EnvChangePreview["action"], mutable = false): EnvChangePreview => ({ key, branch: null, targets: ["production"], action, sensitive: false, mutable });

  it("says which keys restart running deployments and which wait for the next deployment", () => {
    expect(savedSummary(2, [p("FLAGS", "updated", true), p("DB_URL", "updated")], [{ deploymentId: "d1", keys: ["FLAGS"] }])).toEqual({
      saved: "Saved 2 changes.",
      restarted: "FLAGS is mutable: 1 running deployment restarts with the new value, one instance at a time, without a rebuild.",
      later: "DB_URL takes effect with the next deployment.",
    });
    // A mutable key with nothing running waits too; unchanged rows are not mentioned.
    expect(savedSummary(3, [p("FLAGS", "updated", true), p("A", "unchanged"), p("B", "added")], [])).toEqual({
      saved: "Saved 3 changes.",
      restarted: null,
      later: "B, FLAGS take effect with the next deployment.",
    });
    const two = savedSummary(1, [p("X", "updated", true), p("Y", "updated", true)], [
      { deploymentId: "d1", keys: ["X", "Y"] },
      { deploymentId: "d2", keys: ["X"] },
    ]);
    expect(two.restarted).toBe("X, Y are mutable: 2 running deployments restart with the new values, one instance at a time, without a rebuild.");
    expect(two.later).toBeNull();
  });
});

describe("odds and ends", () => {
  it("says how many changes wait", () => {
    expect(pendingLabel(1)).toBe("1 unsaved change");
    expect(pendingLabel(3)).toBe("3 unsaved changes");
  });

  it("knows when a save touches Production", () => {
    const dev = view({ id: "d", key: "D", targets: ["development"] });
    expect(touchesProduction(stageAll([{ op: "set", key: "X", value: "1", targets: ["preview"] }]), [A])).toBe(false);
    expect(touchesProduction(stageAll([{ op: "update", id: "d", value: "2" }], [dev]), [dev])).toBe(false);
    expect(touchesProduction(stageAll([{ op: "update", id: "d", targets: ["production"] }], [dev]), [dev])).toBe(true);
    expect(touchesProduction(stageAll([{ op: "delete", id: "b" }]), [B])).toBe(true);
    expect(touchesProduction(stageAll([{ op: "set", key: "X", value: "1", targets: ["production"] }]), [])).toBe(true);
  });

  it("redeploys the live production deployment, else the newest production one that did not fail", () => {
    const d = (id: string, environment: string, status: string) => ({ id, environment, status });
    expect(redeployTarget([d("p2", "preview", "live"), d("x", "production", "failed"), d("l", "production", "live")])?.id).toBe("l");
    expect(redeployTarget([d("c", "production", "canceled"), d("s", "production", "superseded")])?.id).toBe("s");
    expect(redeployTarget([d("p", "preview", "live")])).toBeNull();
  });
});
