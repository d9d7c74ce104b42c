// The console's variables editor without the DOM: staging changes locally
// (merged so the request stays small and unambiguous), the table those changes
// produce, the rows of one environment's tab with branch overrides grouped under
// their variable (the dialogs' rules are in env-var-form.ts). The shapes follow
// GET/POST /api/projects/:slug/env structurally, so this file depends on no component.
import { ENVIRONMENT_LABELS, ENVIRONMENTS, isPublicKey, type EnvironmentName, type EnvVarView } from "@/lib/env-vars/env-rules";

export type Environment = EnvironmentName;

export type { EnvVarView };

export type SetChange = { op: "set"; key: string; value: string; targets: Environment[]; branch?: string | null; sensitive?: boolean; mutable?: boolean };
export type UpdateChange = { op: "update"; id: string; value?: string; sensitive?: boolean; mutable?: boolean; targets?: Environment[] };
export type DeleteChange = { op: "delete"; id: string };
export type EnvChange = SetChange | UpdateChange | DeleteChange;

export type EnvChangePreview = {
  key: string;
  branch: string | null;
  targets: Environment[];
  action: "added" | "updated" | "unchanged" | "deleted";
  sensitive: boolean;
  mutable: boolean;
};

// A change waiting for Save, with a local id (rows it creates are "staged:<id>").
export type Staged = { id: string; change: EnvChange };

// saved: as stored; new/edited: a staged change made or changed it; deleted: a staged delete removes it.
export type RowState = "saved" | "new" | "edited" | "deleted";
export type WorkingRow = EnvVarView & { state: RowState; stagedId: string | null };

const STAGED = "staged:";
export const isStagedRowId = (id: string) => id.startsWith(STAGED);
const stagedRowId = (stagedId: string) => `${STAGED}${stagedId}`;

export const sortTargets = (list: readonly Environment[]) => ENVIRONMENTS.filter((e) => list.includes(e));
export const sameTargets = (a: readonly Environment[], b: readonly Environment[]) => sortTargets(a).join() === sortTargets(b).join();
const without = (list: readonly Environment[], remove: readonly Environment[]) => list.filter((e) => !remove.includes(e));
const branchOf = (c: SetChange) => c.branch ?? null;

export type StageResult = { ok: true; staged: Staged[] } | { ok: false; message: string };

// Adds a change to the staged list. Edits of a staged new variable change that
// staged "set" in place, repeated edits of one stored variable become one
// update, a delete replaces the variable's pending edit (or simply drops a
// staged new one), and a "set" takes its environments away from earlier staged
// sets of the same key and branch and replaces pending edits of rows it covers,
// as the server would. The server refuses a request in which two changes touch
// one key, branch and environment, so a change that still would is refused here.
export function stage(staged: Staged[], change: EnvChange, id: string, rows: EnvVarView[]): StageResult {
  const next = merge(staged, change, id, rows);
  const message = conflict(next, rows);
  return message ? { ok: false, message } : { ok: true, staged: next };
}

function merge(staged: Staged[], change: EnvChange, id: string, rows: EnvVarView[]): Staged[] {
  if (change.op === "set") {
    const set = { ...change, targets: sortTargets(change.targets) };
    return [...dropCovered(narrowSets(staged, set, null), set, rows), { id, change: set }];
  }
  if (isStagedRowId(change.id)) {
    const target = change.id.slice(STAGED.length);
    if (change.op === "delete") return staged.filter((s) => s.id !== target);
    const current = staged.find((s) => s.id === target);
    if (!current || current.change.op !== "set") return staged;
    const merged: SetChange = {
      ...current.change,
      value: change.value ?? current.change.value,
      sensitive: change.sensitive ?? current.change.sensitive,
      mutable: change.mutable ?? current.change.mutable,
      targets: sortTargets(change.targets ?? current.change.targets),
    };
    return narrowSets(staged, merged, target).map((s) => (s.id === target ? { ...s, change: merged } : s));
  }
  const earlier = staged.find((s) => s.change.op !== "set" && s.change.id === change.id);
  if (!earlier) return [...staged, { id, change }];
  if (change.op === "delete" || earlier.change.op === "delete") {
    return [...staged.filter((s) => s !== earlier), { id, change }];
  }
  const merged: UpdateChange = { ...earlier.change, ...change };
  return staged.map((s) => (s === earlier ? { ...s, change: merged } : s));
}

function narrowSets(staged: Staged[], set: SetChange, keep: string | null): Staged[] {
  return staged.flatMap((s) => {
    if (s.id === keep || s.change.op !== "set" || s.change.key !== set.key || branchOf(s.change) !== branchOf(set)) return [s];
    const targets = without(s.change.targets, set.targets);
    return targets.length === 0 ? [] : [{ ...s, change: { ...s.change, targets } }];
  });
}

// A pending edit or delete of a stored row is moot when a set replaces every
// environment it touches: the set leaves that row with none, so it goes anyway.
function dropCovered(staged: Staged[], set: SetChange, rows: EnvVarView[]): Staged[] {
  return staged.filter(({ change }) => {
    if (change.op === "set") return true;
    const row = rows.find((r) => r.id === change.id);
    if (!row || row.key !== set.key || row.branch !== branchOf(set)) return true;
    return !touched(change, row).every((t) => set.targets.includes(t));
  });
}

const touched = (change: UpdateChange | DeleteChange, row: EnvVarView): Environment[] =>
  sortTargets([...row.targets, ...(change.op === "update" ? (change.targets ?? []) : [])]);

// The server's rule: one change per key, branch and environment.
function conflict(staged: Staged[], rows: EnvVarView[]): string | null {
  const claimed = new Set<string>();
  for (const { change } of staged) {
    const row = change.op === "set" ? null : rows.find((r) => r.id === change.id);
    const subject = change.op === "set" ? { key: change.key, branch: branchOf(change) } : row;
    if (!subject) continue;
    const envs = change.op === "set" ? change.targets : touched(change, row!);
    const claims = envs.map((env) => ({ env, claim: `${subject.key}\0${subject.branch ?? ""}\0${env}` }));
    const twice = claims.find((c) => claimed.has(c.claim));
    if (twice) {
      const where = subject.branch === null ? ENVIRONMENT_LABELS[twice.env] : `Preview (branch ${subject.branch})`;
      return `${subject.key} already has an unsaved change for ${where}. Undo that change first, or edit it instead.`;
    }
    claims.forEach((c) => claimed.add(c.claim));
  }
  return null;
}

export const unstage = (staged: Staged[], id: string) => staged.filter((s) => s.id !== id);

// The request body's changes, in the order they were made.
export const changesOf = (staged: Staged[]) => staged.map((s) => s.change);

// The table as it will be after Save: the server's semantics applied to the stored rows in order.
export function applyStaged(rows: EnvVarView[], staged: Staged[]): WorkingRow[] {
  let working: WorkingRow[] = rows.map((r) => ({ ...r, state: "saved", stagedId: null }));
  for (const { id, change } of staged) {
    if (change.op === "set") {
      working = applySet(working, change, id);
      continue;
    }
    working = working.map((r) => {
      if (r.id !== change.id) return r;
      if (change.op === "delete") return { ...r, state: "deleted", stagedId: id };
      const sensitive = change.sensitive ?? r.sensitive;
      const value = sensitive ? null : (change.value ?? r.value);
      const mutable = change.mutable ?? r.mutable;
      return { ...r, sensitive, mutable, value, targets: sortTargets(change.targets ?? r.targets), state: r.state === "new" ? "new" : "edited", stagedId: id };
    });
  }
  return working.sort(byKeyThenBranch);
}

function applySet(working: WorkingRow[], change: SetChange, id: string): WorkingRow[] {
  const branch = branchOf(change);
  const replaced = working.filter(
    (r) => r.key === change.key && r.branch === branch && r.state !== "deleted" && r.targets.some((t) => change.targets.includes(t)),
  );
  const kept = working.flatMap((r) => {
    if (!replaced.includes(r)) return [r];
    const targets = without(r.targets, change.targets);
    return targets.length === 0 ? [] : [{ ...r, targets, state: r.state === "saved" ? "edited" : r.state, stagedId: r.stagedId ?? id }];
  });
  // Left out, the flag follows the value it replaces (the server's rule), so a pasted .env never un-hides a secret.
  const sensitive = change.sensitive ?? (!isPublicKey(change.key) && replaced.some((r) => r.sensitive));
  const mutable = change.mutable ?? (!isPublicKey(change.key) && replaced.some((r) => r.mutable));
  const row: WorkingRow = {
    id: stagedRowId(id),
    key: change.key,
    value: sensitive ? null : change.value,
    sensitive,
    mutable,
    public: isPublicKey(change.key),
    targets: sortTargets(change.targets),
    branch,
    updatedAt: "",
    updatedBy: null,
    state: replaced.length > 0 ? "edited" : "new",
    stagedId: id,
  };
  return [...kept, row];
}

const byKeyThenBranch = (a: EnvVarView, b: EnvVarView) =>
  a.key < b.key ? -1 : a.key > b.key ? 1 : a.branch === b.branch ? 0 : a.branch === null ? -1 : b.branch === null ? 1 : a.branch < b.branch ? -1 : 1;

// One line of a tab: a variable and, on Preview, its branch overrides. row is
// null for overrides whose key has no value for all of Preview.
export type TabGroup = { key: string; row: WorkingRow | null; overrides: WorkingRow[] };

export function tabGroups(rows: WorkingRow[], env: Environment, search: string): TabGroup[] {
  const needle = search.trim().toLowerCase();
  const inTab = rows.filter((r) => r.targets.includes(env) && (needle === "" || r.key.toLowerCase().includes(needle)));
  const groups: TabGroup[] = inTab.filter((r) => r.branch === null).map((row) => ({ key: row.key, row, overrides: [] }));
  for (const override of inTab.filter((r) => r.branch !== null)) {
    const parents = groups.filter((g) => g.key === override.key);
    const parent = parents.find((g) => g.row?.state !== "deleted") ?? parents[0];
    if (parent) parent.overrides.push(override);
    else groups.push({ key: override.key, row: null, overrides: [override] });
  }
  return groups.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

// How many keys each tab shows (pending deletes not counted).
export function tabCounts(rows: WorkingRow[]): Record<Environment, number> {
  const count = (env: Environment) => new Set(rows.filter((r) => r.state !== "deleted" && r.targets.includes(env)).map((r) => r.key)).size;
  return { production: count("production"), preview: count("preview"), development: count("development") };
}

export const pendingLabel = (n: number) => `${n} unsaved ${n === 1 ? "change" : "changes"}`;

// Whether Save needs the Production permission (admin): a change that sets,
// moves or removes a Production value.
export function touchesProduction(staged: Staged[], rows: EnvVarView[]): boolean {
  const stored = new Map(rows.map((r) => [r.id, r]));
  return staged.some(({ change }) => {
    if (change.op === "set") return change.targets.includes("production");
    const before = stored.get(change.id)?.targets ?? [];
    return before.includes("production") || (change.op === "update" && (change.targets ?? []).includes("production"));
  });
}

// What a save did, for the line under the table: the mutable keys that reach
// running deployments now (their instances restart one at a time) and the keys
// that wait for the next deployment.
export function savedSummary(
  count: number,
  preview: EnvChangePreview[],
  applied: { deploymentId: string; keys: string[] }[],
): { saved: string; restarted: string | null; later: string | null } {
  const changed = preview.filter((p) => p.action !== "unchanged");
  const restartedKeys = [...new Set(applied.flatMap((a) => a.keys))].sort();
  const laterKeys = [...new Set(changed.map((p) => p.key))].filter((k) => !restartedKeys.includes(k)).sort();
  const n = applied.length;
  return {
    saved: `Saved ${count === 1 ? "1 change" : `${count} changes`}.`,
    restarted: n
      ? `${list(restartedKeys)} ${restartedKeys.length === 1 ? "is" : "are"} mutable: ${n === 1 ? "1 running deployment restarts" : `${n} running deployments restart`} with the new value${restartedKeys.length === 1 ? "" : "s"}, one instance at a time, without a rebuild.`
      : null,
    later: laterKeys.length ? `${list(laterKeys)} ${laterKeys.length === 1 ? "takes" : "take"} effect with the next deployment.` : null,
  };
}

const list = (keys: string[]) => (keys.length <= 3 ? keys.join(", ") : `${keys.slice(0, 3).join(", ")} and ${keys.length - 3} more`);
