// Postgres text and jsonb cannot hold U+0000, and a lone UTF-16 surrogate has
// no UTF-8 form (it would be saved as U+FFFD, silently changing the text): a
// NUL would fail at the database, as a 500 after part of the work. Verbs'
// inputs (lib/errors/parse-input.ts) and routes' URL parameters
// (lib/http/route.ts) are checked with this before anything is looked up.
const PROBLEMS: [RegExp, string][] = [
  [/\0/, "Text cannot contain NUL characters (\\0)."],
  [/[\ud800-\udfff]/u, "Text must be valid Unicode: it contains half of a surrogate pair."],
];

function problemOf(text: string): string | null {
  return PROBLEMS.find(([re]) => re.test(text))?.[1] ?? null;
}

// The first string (or object key) in `value` that cannot be stored, with its
// dotted path and why; null when every one can.
export function unstorableText(value: unknown, path: (string | number)[] = []): { path: string; message: string } | null {
  if (typeof value === "string") {
    const message = problemOf(value);
    return message ? { path: path.join("."), message } : null;
  }
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = unstorableText(value[i], [...path, i]);
      if (found) return found;
    }
    return null;
  }
  if (typeof value === "object" && value !== null && !(value instanceof Date)) {
    for (const [k, v] of Object.entries(value)) {
      const keyProblem = problemOf(k);
      const found = keyProblem ? { path: [...path, k].join("."), message: keyProblem } : unstorableText(v, [...path, k]);
      if (found) return found;
    }
  }
  return null;
}
