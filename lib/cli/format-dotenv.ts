// Writes KEY=value lines that lib/env-vars/parse-dotenv.ts (and the usual
// dotenv readers) read back as exactly the same values.

// Safe bare: no spaces, quotes, '#', '\' or '$' (which some readers expand).
const BARE = /^[A-Za-z0-9_./:@%+,=~-]*$/;

export function quoteDotenvValue(value: string): string {
  if (BARE.test(value)) return value;
  // Single quotes keep their text as it is: anything without a ' or a line break.
  if (!/['\n\r]/.test(value)) return `'${value}'`;
  const escaped = value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n").replace(/\r/g, "\\r").replace(/\t/g, "\\t");
  return `"${escaped}"`;
}

export type PulledLine = { key: string; value: string } | { key: string; skipped: string };

// One line a variable; a variable whose value is not written becomes a comment saying why.
export function formatDotenv(header: string[], lines: PulledLine[]): string {
  const body = lines.map((l) => ("skipped" in l ? `# ${l.key} ${l.skipped}` : `${l.key}=${quoteDotenvValue(l.value)}`));
  return [...header.map((h) => `# ${h}`), ...body].join("\n") + "\n";
}
