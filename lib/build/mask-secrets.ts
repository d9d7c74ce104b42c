// Replaces secret values in build output with "••••" before a line is stored or
// streamed: the value itself, and its base64 and URL-encoded forms, which is how
// secrets usually slip into logs (auth headers, printed URLs).
export const MASK = "••••";
const MIN_LENGTH = 4;

// The text itself and the encodings it most often leaks in.
export function encodedForms(text: string): string[] {
  const base64 = Buffer.from(text).toString("base64");
  return [...new Set([text, encodeURIComponent(text), base64, base64.replace(/=+$/, ""), Buffer.from(text).toString("base64url")])];
}

export function makeMasker(secrets: string[]): (text: string) => string {
  const forms = new Set<string>();
  for (const s of secrets) {
    if (s.length < MIN_LENGTH) continue;
    for (const line of s.split(/\r?\n/)) {
      if (line.length < MIN_LENGTH) continue;
      for (const form of encodedForms(line)) forms.add(form);
    }
  }
  if (forms.size === 0) return (text) => text;
  // Longest first, so a value is masked whole rather than around a shorter one.
  const pattern = new RegExp(
    [...forms].sort((a, b) => b.length - a.length).map((f) => f.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join("|"),
    "g",
  );
  return (text) => text.replace(pattern, MASK);
}
