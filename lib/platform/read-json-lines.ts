import type { Readable } from "node:stream";

// A child's control channel: one JSON message per line. Lines that are not
// JSON are skipped, and a channel that floods without newlines is ignored
// past 64 KB rather than buffered without bound.
export function readJsonLines<T>(stream: Readable, onMessage: (message: T) => void) {
  stream.on("error", () => {});
  stream.setEncoding("utf8");
  let pending = "";
  stream.on("data", (text: string) => {
    if (pending.length > 64 * 1024) return;
    pending += text;
    let nl: number;
    while ((nl = pending.indexOf("\n")) !== -1) {
      const line = pending.slice(0, nl);
      pending = pending.slice(nl + 1);
      let message: T;
      try {
        message = JSON.parse(line) as T;
      } catch {
        continue;
      }
      onMessage(message);
    }
  });
}
