import { changeRows } from "@/lib/bundles/diff-manifests";
import type { LogLine, PromotePreview, PromoteSide, Stage } from "@/lib/cli/api-client";
import { formatBytes, formatBytesDelta, shortId, shortSha } from "@/lib/ui/format";

// Pure text formatting: sizes, durations, stage progress lines, log lines, promote previews.

const CODES = { red: 31, green: 32, yellow: 33, cyan: 36, dim: 2, bold: 1 } as const;
export type Paint = Record<keyof typeof CODES, (s: string) => string>;

export function paint(enabled: boolean): Paint {
  const make = (code: number) => (s: string) => (enabled ? `\x1b[${code}m${s}\x1b[0m` : s);
  return Object.fromEntries(Object.entries(CODES).map(([k, code]) => [k, make(code)])) as Paint;
}

export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return "";
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 10_000) return `${(ms / 1000).toFixed(1)} s`;
  const seconds = Math.round(ms / 1000);
  if (seconds < 60) return `${seconds} s`;
  return `${Math.floor(seconds / 60)} m ${String(seconds % 60).padStart(2, "0")} s`;
}

const NAME_WIDTH = 7; // the longest stage names: install, migrate, publish

function stageDuration(stage: Stage): string {
  if (!stage.startedAt || !stage.finishedAt) return "";
  return formatDuration(Date.parse(stage.finishedAt) - Date.parse(stage.startedAt));
}

// The line printed when a stage starts.
export function formatStageStart(name: string, p: Paint = paint(false)): string {
  return `${p.cyan("▸")} ${name} …`;
}

// The line printed when a stage ends: mark, name, duration, the worker's detail.
export function formatStageEnd(stage: Stage, p: Paint = paint(false)): string {
  const detail = oneLine(stage.detail);
  const columns = (mark: string, ...rest: string[]) => {
    const cols = rest.filter(Boolean);
    return [`${mark} ${cols.length ? stage.name.padEnd(NAME_WIDTH) : stage.name}`, ...cols].join("  ");
  };
  const duration = stageDuration(stage);
  switch (stage.status) {
    case "succeeded":
      return columns(p.green("✓"), duration && p.dim(duration), detail);
    case "failed":
      return columns(p.red("✗"), duration && p.dim(duration), detail && p.red(detail));
    case "skipped":
      return columns(p.dim("–"), p.dim("skipped"), detail && p.dim(detail));
    case "canceled":
      return columns(p.yellow("–"), p.yellow("canceled"));
    default:
      return formatStageStart(stage.name, p);
  }
}

// Build output, indented under the stage lines; system lines are the
// platform's own notes, dimmed.
export function formatLogLine(line: LogLine, p: Paint = paint(false)): string {
  const gutter = p.dim("  │ ");
  if (line.stream === "system") return gutter + p.dim(line.text);
  if (line.stream === "stderr") return gutter + p.yellow(line.text);
  return gutter + line.text;
}

// The worker writes "── <stage>" into the log when a stage starts; the CLI
// prints its own stage line instead.
export const isStageMarker = (line: LogLine) => line.stream === "system" && /^── [a-z-]+$/.test(line.text);

const oneLine = (s: string | null | undefined) => (s ?? "").replace(/\s*\n\s*/g, " ").trim();

// What a promote changes, printed before it happens: both deployments, the
// file counts and bytes, the first `maxPaths` changed paths, the note on
// environment variables and which keys (never values) have changed since.
export function formatPromotePreview(p: PromotePreview, c: Paint = paint(false), maxPaths = 20): string[] {
  const lines = [`Promote   ${describeSide(p.target)} to live on ${p.route.name}`, `Live now  ${p.live ? describeSide(p.live) : "nothing"}`];
  if (p.diff) {
    const { counts: n, bytes: b } = p.diff;
    const part = (count: number, word: string, detail: string) => `${count} ${word}${count > 0 ? ` (${detail})` : ""}`;
    lines.push(
      `Files     ${[
        part(n.added, "added", `+${formatBytes(b.added)}`),
        part(n.changed, "changed", `${formatBytes(b.changedBefore)} → ${formatBytes(b.changedAfter)}`),
        part(n.removed, "removed", `−${formatBytes(b.removed)}`),
        `${n.unchanged} unchanged`,
      ].join(", ")}`,
      `Size      ${formatBytes(b.totalBefore)} → ${formatBytes(b.totalAfter)} (${formatBytesDelta(b.totalAfter - b.totalBefore)})`,
    );
    const rows = changeRows(p.diff);
    const mark = { added: c.green("+"), changed: c.yellow("~"), removed: c.red("−") };
    for (const r of rows.slice(0, maxPaths)) {
      const size = r.before === null ? formatBytes(r.after ?? 0) : r.after === null ? formatBytes(r.before) : `${formatBytes(r.before)} → ${formatBytes(r.after)}`;
      lines.push(`  ${mark[r.kind]} ${r.path}  ${c.dim(size)}`);
    }
    const more = n.added + n.changed + n.removed - Math.min(rows.length, maxPaths);
    if (more > 0) lines.push(c.dim(`  … and ${more} more`));
  }
  lines.push(c.dim(p.runtimeEnv));
  const v = p.variables;
  if (v && v.added.length + v.changed.length + v.removed.length > 0) {
    const part = (keys: string[], word: string) => (keys.length ? [`${word} ${keys.join(", ")}`] : []);
    const parts = [...part(v.changed, "changed"), ...part(v.added, "added"), ...part(v.removed, "removed")];
    lines.push(c.yellow(`Variables since it was built: ${parts.join("; ")}. A redeploy (in the console) builds it with the current values.`));
  }
  for (const m of p.migrations ?? []) lines.push(c.yellow(`Built before migration ${m.name} was applied (${m.appliedAt.slice(0, 10)}): its code may not work with that schema.`));
  return lines;
}

const describeSide = (d: PromoteSide) => `${shortId(d.id)} (${shortSha(d.commitSha)}, ${d.environment}, branch ${d.branch})`;
