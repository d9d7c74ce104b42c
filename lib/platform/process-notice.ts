import { describeExit, type ProcessStatus } from "@/lib/platform/process-status";

// What the console says about the platform's own processes (the supervisor's
// status, lib/platform/supervisor.ts): a process it gave up on, or one it
// restarted within the last hour. Null when there is nothing to say.
const RECENT_MS = 60 * 60_000;

export type ProcessNotice = { tone: "error" | "warning"; text: string };

export function processNotice(processes: readonly ProcessStatus[], now = Date.now()): ProcessNotice | null {
  const failed = processes.filter((p) => p.state === "failed");
  if (failed.length > 0) {
    return { tone: "error", text: failed.map((p) => p.gaveUp ?? `${p.name} stopped and was not restarted.`).join(" ") };
  }
  const recent = processes.filter((p) => p.restarts > 0 && p.lastExit && now - Date.parse(p.lastExit.at) < RECENT_MS);
  if (recent.length === 0) return null;
  const parts = recent.map((p) => {
    const times = p.restarts === 1 ? "once" : `${p.restarts} times`;
    const at = new Date(p.lastExit!.at).toISOString().slice(11, 19);
    const now = p.state === "running" ? "running again" : "restarting";
    return `The ${p.name} process was restarted ${times} (last: ${describeExit({ code: p.lastExit!.code, signal: p.lastExit!.signal as NodeJS.Signals | null })} at ${at} UTC); ${now}.`;
  });
  return { tone: "warning", text: parts.join(" ") };
}
