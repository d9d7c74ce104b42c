import { existsSync, readFileSync } from "node:fs";
import { mkdir, readdir, readFile, rmdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { processAlive } from "@/lib/platform/process-alive";

// The control group of one sandbox: memory, process count and CPU share,
// enforced by the kernel for every process in it, however it forks. Uses
// cgroup v2 where the machine delegates the memory and pids controllers to
// us, else the v1 hierarchies (memory, pids, cpu) where they are writable,
// else nothing (the sandbox then relies on rlimits; see sandbox.ts).
//
// Groups are made below our own group (so a container's limits still hold),
// under "slipway/<name>"; the name carries our pid, so groups left by a dead
// process are recognisable. A process joins by writing its pid to every
// `procs` file before it execs the sandbox (sandbox.ts).
export type Limits = { memoryMb: number; pids: number };
export type LimitHit = "memory" | "pids";

export type SandboxCgroup = {
  procs: string[];
  /** Which limit the processes ran into, if any. */
  hits(): Promise<LimitHit[]>;
  /** Resident memory of the whole group, in KB. */
  memoryKb(): Promise<number | null>;
  remove(): Promise<void>;
};

const ROOT = "/sys/fs/cgroup";
type Flavor = { kind: "v2"; base: string } | { kind: "v1"; memory: string; pids: string; cpu: string | null } | null;
let flavor: Flavor | undefined;

export function cgroupFlavor(): Flavor {
  if (flavor === undefined) flavor = detect();
  return flavor;
}

function ownPaths(): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of readFileSync("/proc/self/cgroup", "utf8").split("\n")) {
    const [, controllers, p] = line.split(":");
    if (p === undefined) continue;
    for (const c of controllers === "" ? [""] : controllers.split(",")) out.set(c, p);
  }
  return out;
}

function detect(): Flavor {
  try {
    const own = ownPaths();
    if (existsSync(`${ROOT}/cgroup.controllers`)) {
      const base = path.join(ROOT, own.get("") ?? "/", "slipway");
      const available = readFileSync(path.join(path.dirname(base), "cgroup.controllers"), "utf8");
      if (!/\bmemory\b/.test(available) || !/\bpids\b/.test(available)) return null;
      return { kind: "v2", base };
    }
    const v1 = (c: string) => (own.has(c) && existsSync(path.join(ROOT, c)) ? path.join(ROOT, c, own.get(c)!, "slipway") : null);
    const memory = v1("memory");
    const pids = v1("pids");
    if (!memory || !pids) return null;
    return { kind: "v1", memory, pids, cpu: v1("cpu") };
  } catch {
    return null;
  }
}

let swept: Promise<void> | null = null;

export async function createCgroup(name: string, limits: Limits): Promise<SandboxCgroup | null> {
  const f = cgroupFlavor();
  if (!f) return null;
  swept ??= sweepCgroups(f).catch(() => undefined);
  await swept;
  const made: string[] = [];
  const group = async (base: string) => {
    await mkdir(base, { recursive: true });
    const dir = path.join(base, name);
    await mkdir(dir);
    made.push(dir);
    return dir;
  };
  try {
    if (f.kind === "v2") {
      await writeFile(path.join(path.dirname(f.base), "cgroup.subtree_control"), "+memory +pids +cpu").catch(() =>
        writeFile(path.join(path.dirname(f.base), "cgroup.subtree_control"), "+memory +pids"),
      );
      await mkdir(f.base, { recursive: true });
      await writeFile(path.join(f.base, "cgroup.subtree_control"), "+memory +pids").catch(() => undefined);
      const dir = await group(f.base);
      await writeFile(path.join(dir, "memory.max"), String(limits.memoryMb * 1024 * 1024));
      await writeFile(path.join(dir, "memory.swap.max"), "0").catch(() => undefined);
      await writeFile(path.join(dir, "pids.max"), String(limits.pids));
      await writeFile(path.join(dir, "cpu.weight"), "50").catch(() => undefined);
      return {
        procs: [path.join(dir, "cgroup.procs")],
        hits: async () => {
          const mem = await counter(path.join(dir, "memory.events"), "oom_kill");
          const pids = await counter(path.join(dir, "pids.events"), "max");
          return [...(mem > 0 ? (["memory"] as const) : []), ...(pids > 0 ? (["pids"] as const) : [])];
        },
        memoryKb: async () => kb(await readFile(path.join(dir, "memory.current"), "utf8").catch(() => "")),
        remove: () => removeGroups(made, [path.join(dir, "cgroup.kill")]),
      };
    }
    const memory = await group(f.memory);
    await writeFile(path.join(memory, "memory.limit_in_bytes"), String(limits.memoryMb * 1024 * 1024));
    await writeFile(path.join(memory, "memory.swappiness"), "0").catch(() => undefined);
    const pids = await group(f.pids);
    await writeFile(path.join(pids, "pids.max"), String(limits.pids));
    const cpu = f.cpu ? await group(f.cpu).catch(() => null) : null;
    if (cpu) await writeFile(path.join(cpu, "cpu.shares"), "512").catch(() => undefined);
    return {
      procs: [memory, pids, ...(cpu ? [cpu] : [])].map((d) => path.join(d, "cgroup.procs")),
      hits: async () => {
        const mem = await counter(path.join(memory, "memory.oom_control"), "oom_kill");
        const max = await counter(path.join(pids, "pids.events"), "max");
        return [...(mem > 0 ? (["memory"] as const) : []), ...(max > 0 ? (["pids"] as const) : [])];
      },
      memoryKb: async () => kb(await readFile(path.join(memory, "memory.usage_in_bytes"), "utf8").catch(() => "")),
      remove: () => removeGroups(made, []),
    };
  } catch (err) {
    await removeGroups(made, []);
    throw new Error(`could not set up the sandbox's control group: ${(err as Error).message}`);
  }
}

/** Removes the groups of processes that are gone (their names end in "-<pid>-<n>"). */
async function sweepCgroups(f: NonNullable<Flavor>) {
  const bases = f.kind === "v2" ? [f.base] : [f.memory, f.pids, ...(f.cpu ? [f.cpu] : [])];
  for (const base of bases) {
    const names = await readdir(base).catch(() => [] as string[]);
    const dead = names.filter((n) => {
      const m = /-(\d+)-[0-9a-z]+$/.exec(n);
      return m !== null && !processAlive(Number(m[1]));
    });
    await removeGroups(dead.map((n) => path.join(base, n)), f.kind === "v2" ? dead.map((n) => path.join(base, n, "cgroup.kill")) : []);
  }
}


const kb = (bytes: string) => (/^\d+/.test(bytes.trim()) ? Math.round(Number(bytes.trim()) / 1024) : null);

async function counter(file: string, key: string): Promise<number> {
  const text = await readFile(file, "utf8").catch(() => "");
  const m = new RegExp(`^${key}\\s+(\\d+)`, "m").exec(text);
  return m ? Number(m[1]) : 0;
}

/** Kills whatever is still in the groups, then removes them (a group can only go once empty). */
async function removeGroups(dirs: string[], killFiles: string[]) {
  for (const file of killFiles) await writeFile(file, "1").catch(() => undefined);
  for (const dir of dirs) {
    for (let i = 0; i < 250; i++) {
      const procs = await readFile(path.join(dir, "cgroup.procs"), "utf8").catch(() => "");
      for (const pid of procs.split("\n").filter(Boolean)) {
        try {
          process.kill(Number(pid), "SIGKILL");
        } catch {
          // gone
        }
      }
      try {
        await rmdir(dir);
        break;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === "ENOENT") break;
        await new Promise((r) => setTimeout(r, 20));
      }
    }
  }
}
