import {
  ENVIRONMENT_LABELS,
  ENVIRONMENTS,
  type EnvChangeIssue,
  type EnvironmentName,
  isPublicKey,
  MAX_TOTAL_BYTES,
  MUTABLE_PUBLIC,
  type ParsedEnvChange,
  totalProblem,
  utf8Bytes,
} from "@/lib/env-vars/env-input";

export type EnvChangePreview = {
  key: string;
  branch: string | null;
  targets: EnvironmentName[];
  action: "added" | "updated" | "unchanged" | "deleted";
  sensitive: boolean;
  mutable: boolean;
};

export type StoredEnvVar = { id: string; key: string; branch: string | null; targets: EnvironmentName[]; sensitive: boolean; mutable: boolean; valueEnc: string };

// A row as it will be after the request: `value` is a new plaintext to seal
// (null keeps the stored one); `id` is null for a row to create.
export type DraftEnvVar = Omit<StoredEnvVar, "id"> & { id: string | null; value: string | null; dirty: boolean; deleted: boolean; changedBy?: number };

export type EnvPlan = { preview: EnvChangePreview[]; drafts: DraftEnvVar[]; issues: EnvChangeIssue[]; touchesProduction: boolean };

// Works out, in memory, what a request does to a project's rows: the preview
// of each change, the rows to write, and every problem, so nothing is written
// unless all of it can be. `read` decrypts a stored value (null if it cannot):
// values are compared to tell "unchanged" from "updated", and sized for the totals.
export function planEnvChanges(stored: StoredEnvVar[], changes: ParsedEnvChange[], decrypt: (valueEnc: string) => string | null): EnvPlan {
  const read = memo(decrypt);
  const drafts: DraftEnvVar[] = stored.map((r) => ({ ...r, value: null, dirty: false, deleted: false }));
  const byId = new Map(drafts.map((d) => [d.id, d]));
  const valueOf = (d: DraftEnvVar) => d.value ?? read(d.valueEnc);
  const issues: EnvChangeIssue[] = [];

  // Each (key, branch, environment) may be touched by one change only, so the
  // order of the changes never matters.
  const claimed = new Set<string>();
  let touchesProduction = false;
  changes.forEach((change, index) => {
    const subject = change.op === "set" ? change : byId.get(change.id);
    if (!subject) {
      issues.push({ index, field: "id", message: "That variable no longer exists; reload to see the current variables." });
      return;
    }
    const touched = change.op === "set" ? change.targets : [...subject.targets, ...(change.op === "update" ? (change.targets ?? []) : [])];
    const twice = touched.filter((t) => claimed.has(claim(subject.key, subject.branch, t)));
    if (twice.length > 0) issues.push({ index, field: "targets", message: `${subject.key} appears twice for ${where(twice[0], subject.branch)}.` });
    touched.forEach((t) => claimed.add(claim(subject.key, subject.branch, t)));
    touchesProduction ||= touched.includes("production");
  });
  if (issues.length > 0) return { preview: [], drafts, issues, touchesProduction };

  const preview = changes.map((change, index): EnvChangePreview => {
    if (change.op === "delete") {
      const d = byId.get(change.id)!;
      d.deleted = true;
      return { key: d.key, branch: d.branch, targets: d.targets, action: "deleted", sensitive: d.sensitive, mutable: d.mutable };
    }
    if (change.op === "update") {
      const d = byId.get(change.id)!;
      const targets = change.targets ?? d.targets;
      const sensitive = change.sensitive ?? d.sensitive;
      const mutable = change.mutable ?? d.mutable;
      const problem = updateProblem(d, targets, sensitive, mutable, change.value);
      if (problem) issues.push({ index, ...problem });
      const unchanged =
        sameList(targets, d.targets) && sensitive === d.sensitive && mutable === d.mutable && (change.value === undefined || change.value === valueOf(d));
      if (!unchanged) Object.assign(d, { targets, sensitive, mutable, value: change.value ?? d.value, dirty: true, changedBy: index });
      return { key: d.key, branch: d.branch, targets, action: unchanged ? "unchanged" : "updated", sensitive, mutable };
    }
    const { key, branch, targets, value } = change;
    const siblings = drafts.filter((d) => !d.deleted && d.key === key && d.branch === branch && d.targets.some((t) => targets.includes(t)));
    // Left out, the flag follows the value being replaced, so pushing a .env never quietly un-hides a secret.
    const sensitive = change.sensitive ?? (!isPublicKey(key) && siblings.some((d) => d.sensitive));
    // Likewise a value pushed over a mutable one stays mutable.
    const mutable = change.mutable ?? (!isPublicKey(key) && siblings.some((d) => d.mutable));
    const covered = new Set(siblings.flatMap((d) => d.targets));
    const unchanged =
      targets.every((t) => covered.has(t)) && siblings.every((d) => d.sensitive === sensitive && d.mutable === mutable && valueOf(d) === value);
    if (unchanged) return { key, branch, targets, action: "unchanged", sensitive, mutable };
    for (const d of siblings) {
      d.targets = d.targets.filter((t) => !targets.includes(t));
      d.dirty = true;
      d.deleted = d.targets.length === 0;
    }
    drafts.push({ id: null, key, branch, targets, sensitive, mutable, value, valueEnc: "", dirty: true, deleted: false, changedBy: index });
    return { key, branch, targets, action: siblings.length > 0 ? "updated" : "added", sensitive, mutable };
  });

  issues.push(...overlapIssues(drafts), ...totalIssues(stored, drafts, read));
  return { preview, drafts, issues, touchesProduction };
}

function updateProblem(d: DraftEnvVar, targets: EnvironmentName[], sensitive: boolean, mutable: boolean, value: string | undefined) {
  if (d.branch !== null && !sameList(targets, ["preview"])) return { field: "targets", message: "A branch override applies to Preview only." };
  if (sensitive && isPublicKey(d.key)) return { field: "sensitive", message: `${d.key} is public (sent to the browser), so it cannot be sensitive.` };
  if (mutable && isPublicKey(d.key)) return { field: "mutable", message: MUTABLE_PUBLIC(d.key) };
  if (d.sensitive && !sensitive && value === undefined) {
    return { field: "value", message: `${d.key} is sensitive: enter a new value to make it non-sensitive (the current one cannot be shown).` };
  }
  return null;
}

// An update may not give a row an environment another row of its key and branch already has.
function overlapIssues(drafts: DraftEnvVar[]): EnvChangeIssue[] {
  const live = drafts.filter((d) => !d.deleted);
  return live.flatMap((d) => {
    if (d.changedBy === undefined) return [];
    const taken = live.find((o) => o !== d && o.key === d.key && o.branch === d.branch && o.targets.some((t) => d.targets.includes(t)));
    if (!taken) return [];
    const t = d.targets.find((x) => taken.targets.includes(x))!;
    return [{ index: d.changedBy, field: "targets", message: `${d.key} already has another value for ${where(t, d.branch)}; edit or delete that one instead.` }];
  });
}

// Every environment, and Preview for every branch with overrides, must stay
// within MAX_TOTAL_BYTES. A set already over it (the limit changed) may shrink.
function totalIssues(stored: StoredEnvVar[], drafts: DraftEnvVar[], read: (valueEnc: string) => string | null): EnvChangeIssue[] {
  // A value that cannot be decrypted counts as empty here; the build refuses it anyway.
  const sized = (rows: (Omit<DraftEnvVar, "value"> & { value?: string | null })[]) =>
    rows.map((r) => ({ ...r, bytes: utf8Bytes(r.key) + utf8Bytes(r.value ?? read(r.valueEnc) ?? "") }));
  const before = sized(stored.map((r) => ({ ...r, dirty: false, deleted: false })));
  const after = sized(drafts.filter((d) => !d.deleted));
  const branches = [...new Set(after.flatMap((r) => (r.branch === null ? [] : [r.branch])))];
  const sets = [...ENVIRONMENTS.map((env) => ({ env, branch: null })), ...branches.map((branch) => ({ env: "preview" as const, branch }))];
  return sets.flatMap(({ env, branch }) => {
    const total = resolvedTotal(after, env, branch);
    if (total <= MAX_TOTAL_BYTES || total <= resolvedTotal(before, env, branch)) return [];
    // The problem goes beside the largest value the request put into the set (deleting a
    // short branch override can also grow one; the first change then carries it).
    const grown = after.filter((r) => r.changedBy !== undefined && r.targets.includes(env) && (r.branch === null || r.branch === branch));
    const largest = grown.reduce<(typeof grown)[number] | undefined>((top, r) => (top && top.bytes >= r.bytes ? top : r), undefined);
    const what = branch === null ? ENVIRONMENT_LABELS[env] : `Preview deployments of branch ${branch}`;
    return [{ index: largest?.changedBy ?? 0, field: "value", message: totalProblem(what, total) }];
  });
}

// What resolve-env would hand a deployment: the branch's override wins over the environment's value.
function resolvedTotal(rows: { key: string; branch: string | null; targets: EnvironmentName[]; bytes: number }[], env: EnvironmentName, branch: string | null) {
  const chosen = new Map<string, number>();
  for (const r of rows) {
    if (!r.targets.includes(env) || (r.branch !== null && r.branch !== branch)) continue;
    if (r.branch !== null || !chosen.has(r.key)) chosen.set(r.key, r.bytes);
  }
  return [...chosen.values()].reduce((a, b) => a + b, 0);
}

function memo(fn: (valueEnc: string) => string | null) {
  const seen = new Map<string, string | null>();
  return (valueEnc: string) => {
    if (!seen.has(valueEnc)) seen.set(valueEnc, fn(valueEnc));
    return seen.get(valueEnc)!;
  };
}

const claim = (key: string, branch: string | null, target: EnvironmentName) => `${key}\0${branch ?? ""}\0${target}`;
const where = (target: EnvironmentName, branch: string | null) => (branch === null ? ENVIRONMENT_LABELS[target] : `Preview (branch ${branch})`);
const sameList = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((x) => b.includes(x));
