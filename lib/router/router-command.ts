import path from "node:path";
import { bunBinary, MISSING_BUN, NODE_BINARY } from "@/lib/platform/runtimes";

const ROOT = path.resolve(import.meta.dirname, "../..");
const EXIT_WITH_PARENT = path.join(ROOT, "lib/platform/exit-with-parent.mjs");

/**
 * How to start one router process: Bun running lib/router/main.ts (from the
 * project's root), exiting if its parent dies. `env` is what it needs on top
 * of the caller's: which Node runs the function hosts.
 */
export function routerCommand(): { command: string; args: string[]; env: Record<string, string> } {
  const bun = bunBinary();
  if (!bun) throw new Error(MISSING_BUN);
  return { command: bun, args: ["--preload", EXIT_WITH_PARENT, path.join(ROOT, "lib/router/main.ts")], env: { SLIPWAY_NODE: NODE_BINARY } };
}
