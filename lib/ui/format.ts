// Small display formatters shared by the console and the CLI (pure, no DOM, no database).

const BYTE_UNITS = ["B", "kB", "MB", "GB", "TB"];

// Decimal (SI) units like the browser's download UI: 1234 → "1.2 kB", 12_345 → "12 kB".
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) return "—";
  if (bytes < 1000) return `${Math.round(bytes)} B`;
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < BYTE_UNITS.length - 1) {
    value /= 1000;
    unit++;
  }
  // 999.96 kB would round to "1000 kB"; show the next unit instead.
  if (Number((value < 10 ? value.toFixed(1) : value.toFixed(0))) >= 1000 && unit < BYTE_UNITS.length - 1) {
    value /= 1000;
    unit++;
  }
  const shown = value < 10 ? value.toFixed(1).replace(/\.0$/, "") : Math.round(value).toString();
  return `${shown} ${BYTE_UNITS[unit]}`;
}

// A size difference with its sign: +1.2 kB, −300 B, or "no change".
export function formatBytesDelta(delta: number): string {
  if (!Number.isFinite(delta)) return "—";
  if (delta === 0) return "no change";
  return `${delta > 0 ? "+" : "−"}${formatBytes(Math.abs(delta))}`;
}

// A compact elapsed time: "850ms", "4.2s", "37s", "2m 05s", "1h 04m".
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return "—";
  if (ms < 1000) return `${Math.floor(ms)}ms`;
  const totalSeconds = ms / 1000;
  if (totalSeconds < 10) return `${(Math.floor(totalSeconds * 10) / 10).toFixed(1)}s`;
  const seconds = Math.floor(totalSeconds);
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m ${String(seconds % 60).padStart(2, "0")}s`;
  const hours = Math.floor(minutes / 60);
  return `${hours}h ${String(minutes % 60).padStart(2, "0")}m`;
}

// Milliseconds from start to end; an open interval runs to `now`. Null before it starts.
export function elapsedMs(start: string | null, end: string | null, now: number): number | null {
  if (!start) return null;
  const from = Date.parse(start);
  const to = end ? Date.parse(end) : now;
  if (Number.isNaN(from) || Number.isNaN(to)) return null;
  return Math.max(0, to - from);
}

export const shortSha = (sha: string) => sha.slice(0, 7);

export const shortId = (id: string) => id.replace(/-/g, "").slice(0, 8);

// "sha256:9f86d08188…" → "9f86d081884c" (the algorithm prefix is the same for every bundle).
export function shortDigest(digest: string, length = 12): string {
  const hex = digest.includes(":") ? digest.slice(digest.indexOf(":") + 1) : digest;
  return hex.slice(0, length);
}
