import { createHash } from "node:crypto";

// Which runtime log entries are errors, and how errors group. An entry is an
// error when its code said so in a way that can be told apart from ordinary
// output: a stack trace on stderr (an uncaught exception, a logged Error), or
// an event the platform itself records (a function that threw, a host or
// instance that exited unexpectedly: LogEntry.error). Ordinary stderr lines
// (warnings, progress) are not errors.

const FRAME = /\n\s+at /;
// Frames that identify where it happened (the rest is the same for every error of a runtime).
const FRAMES_IN_FINGERPRINT = 5;

export function isErrorEntry(e: { source: string; text: string; error?: boolean }): boolean {
  return e.error === true || (e.source === "stderr" && FRAME.test(e.text));
}

export type ErrorShape = { message: string; stack: string; fingerprint: string };

// The message is the entry's first line; numbers, hex ids and UUIDs in it are
// masked for grouping ("order 42" and "order 43" are one error), frames keep
// their file:line (one build SHA per deployment, so lines are stable).
export function errorShape(text: string): ErrorShape {
  const [first, ...rest] = text.split("\n");
  const message = first.trim().slice(0, 1000);
  const frames = rest.map((l) => l.trim()).filter((l) => l.startsWith("at "));
  const masked = message
    .replace(/\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi, "<uuid>")
    .replace(/\b0x[0-9a-f]+\b/gi, "<hex>")
    .replace(/\b[0-9a-f]{12,}\b/gi, "<hex>")
    .replace(/\d+(\.\d+)?/g, "<n>");
  const fingerprint = createHash("sha256")
    .update(`${masked}\n${frames.slice(0, FRAMES_IN_FINGERPRINT).join("\n")}`)
    .digest("hex")
    .slice(0, 32);
  return { message, stack: frames.join("\n").slice(0, 10_000), fingerprint };
}
