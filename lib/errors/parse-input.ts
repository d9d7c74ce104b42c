import type { z } from "zod";
import { invalid } from "@/lib/errors/app-error";
import { unstorableText } from "@/lib/errors/storable-text";

// Parses a verb's input; a failure becomes an `invalid` AppError whose message
// names the first bad field and whose details map each field to its message.
export function parseInput<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const parsed = schema.safeParse(input);
  if (parsed.success) {
    const bad = unstorableText(parsed.data);
    if (bad) {
      const field = bad.path || "input";
      throw invalid(field === "input" ? bad.message : `${field}: ${bad.message}`, { fields: { [field]: bad.message } });
    }
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
