// What a build log line shows: terminal colour codes removed and, for progress
// bars that redraw with carriage returns, only the last state of the line.
const ANSI = /\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]/g;

export function displayLogText(text: string): string {
  const clean = text.replace(ANSI, "");
  if (!clean.includes("\r")) return clean;
  const parts = clean.split("\r").filter((p) => p !== "" && p !== "\n");
  return parts.length === 0 ? "" : parts[parts.length - 1].replace(/\n$/, "");
}
