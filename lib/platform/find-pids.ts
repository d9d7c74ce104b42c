import { readdir, readFile } from "node:fs/promises";

// Pids of the live processes (other than this one) for which `matches` is true
// of /proc/<pid>/<file>. A process that is gone, or that we may not read, is
// skipped. Sorted ascending.
export async function findPids(file: "status" | "environ", matches: (content: Buffer) => boolean): Promise<number[]> {
  let names: string[];
  try {
    names = await readdir("/proc");
  } catch {
    return [];
  }
  const found: number[] = [];
  await Promise.all(
    names.map(async (name) => {
      if (!/^[0-9]+$/.test(name) || Number(name) === process.pid) return;
      const content = await readFile(`/proc/${name}/${file}`).catch(() => null);
      if (content && matches(content)) found.push(Number(name));
    }),
  );
  return found.sort((a, b) => a - b);
}
