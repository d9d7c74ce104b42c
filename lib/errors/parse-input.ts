import type { z } from "zod";
import { invalid } from "@/lib/errors/app-error";

// Parses a verb's input; a failure becomes an `invalid` AppError whose message
// names the first bad field and whose details map each field to its message.
export function parseInput<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const parsed = schema.safeParse(input);
  if (parsed.success) {
    refuseNul(parsed.data);
    return parsed.data;
  }
  const fields: Record<string, string> = {};
  for (const issue of parsed.error.issues) {
    const key = issue.path.join(".") || "input";
    fields[key] ??= issue.message;
  }
  const [first] = Object.entries(fields);
  throw invalid(first[0] === "input" ? first[1] : `${first[0]}: ${first[1]}`, { fields });
}

const NUL_MESSAGE = "Text cannot contain NUL characters (\\0).";

// Postgres text and jsonb cannot hold U+0000: a string with one would fail at
// the database, as a 500 after part of the work. Refused here for every verb.
function refuseNul(data: unknown) {
  const key = nulPath(data, []);
  if (key === null) return;
  const field = key || "input";
  throw invalid(field === "input" ? NUL_MESSAGE : `${field}: ${NUL_MESSAGE}`, { fields: { [field]: NUL_MESSAGE } });
}

function nulPath(value: unknown, path: (string | number)[]): string | null {
  if (typeof value === "string") return value.includes("\0") ? path.join(".") : null;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = nulPath(value[i], [...path, i]);
      if (found !== null) return found;
    }
    return null;
  }
  if (typeof value === "object" && value !== null && !(value instanceof Date)) {
    for (const [k, v] of Object.entries(value)) {
      const found = k.includes("\0") ? [...path, k].join(".") : nulPath(v, [...path, k]);
      if (found !== null) return found;
    }
  }
  return null;
}
