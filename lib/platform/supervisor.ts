import { type ChildProcess, spawn } from "node:child_process";
import path from "node:path";
import readline from "node:readline";

// Runs the platform's processes side by side, prefixes their output, and stops
// them all together: on Ctrl-C / SIGTERM, or as soon as one of them dies.
export type ProcessSpec = { name: string; args: string[]; env: NodeJS.ProcessEnv };

const EXIT_WITH_PARENT = path.resolve(import.meta.dirname, "exit-with-parent.mjs");
const STOP_GRACE_MS = 8000;

export class Supervisor {
  private children = new Map<string, ChildProcess>();
  private stopping = false;

  constructor(
    private readonly root: string,
    private readonly onExit: (name: string, code: number | null) => void,
  ) {}

  start(spec: ProcessSpec) {
    const child = spawn(process.execPath, ["--import", EXIT_WITH_PARENT, ...spec.args], {
      cwd: this.root,
      env: spec.env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    const label = `[${spec.name}]`.padEnd(10);
    for (const stream of [child.stdout, child.stderr]) {
      readline.createInterface({ input: stream! }).on("line", (line) => console.log(`${label}${line}`));
    }
    child.on("exit", (code) => {
      this.children.delete(spec.name);
      if (!this.stopping) this.onExit(spec.name, code);
    });
    this.children.set(spec.name, child);
  }

  async stopAll() {
    this.stopping = true;
    const waits = [...this.children.values()].map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          const timer = setTimeout(() => child.kill("SIGKILL"), STOP_GRACE_MS);
          child.once("exit", () => {
            clearTimeout(timer);
            resolve();
          });
          child.kill("SIGTERM");
        }),
    );
    await Promise.all(waits);
  }
}

/** Waits until `url` answers with a status `accept` takes (default: 2xx). */
export async function waitForHttp(url: string, timeoutMs: number, isAlive: () => boolean, accept = (status: number) => status >= 200 && status < 300): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && isAlive()) {
    const ok = await fetch(url).then(
      (r) => accept(r.status),
      () => false,
    );
    if (ok) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${url} did not become ready in ${Math.round(timeoutMs / 1000)} s.`);
}
