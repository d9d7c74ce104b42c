"use client";

import { useRuntime } from "@/components/deployments/queries";
import { Panel } from "@/components/ui/panel";
import { RelativeTime } from "@/components/ui/relative-time";
import type { RuntimeInstanceView, RuntimeView } from "@/lib/runtime/get-runtime";

type State = NonNullable<RuntimeView["state"]>;

const STATE: Record<State, { label: string; tone: string }> = {
  deploying: { label: "Starting", tone: "bg-sky-50 text-sky-800 ring-sky-200" },
  running: { label: "Running", tone: "bg-emerald-50 text-emerald-800 ring-emerald-200" },
  tearing_down: { label: "Draining", tone: "bg-amber-50 text-amber-800 ring-amber-200" },
  stopped: { label: "Stopped", tone: "bg-zinc-100 text-zinc-600 ring-zinc-200" },
  failed: { label: "Failed", tone: "bg-red-50 text-red-800 ring-red-200" },
};

const INSTANCE: Record<RuntimeInstanceView["state"], { label: string; tone: string }> = {
  starting: { label: "Starting", tone: "bg-sky-50 text-sky-800 ring-sky-200" },
  ready: { label: "Ready", tone: "bg-emerald-50 text-emerald-800 ring-emerald-200" },
  draining: { label: "Draining", tone: "bg-amber-50 text-amber-800 ring-amber-200" },
  crashed: { label: "Crashed", tone: "bg-red-50 text-red-800 ring-red-200" },
};

function Badge({ label, tone, testId }: { label: string; tone: string; testId?: string }) {
  return (
    <span data-testid={testId} className={`inline-flex items-center gap-1.5 rounded-full px-2 py-0.5 text-xs font-medium whitespace-nowrap ring-1 ring-inset ${tone}`}>
      <span aria-hidden="true" className="size-1.5 rounded-full bg-current opacity-70" />
      {label}
    </span>
  );
}

const memory = (kb: number | null) => (kb === null ? "—" : `${Math.round(kb / 1024)} MB`);

// The runtime of a server deployment (seed 003): whether it runs, why not,
// how it is started and checked, and each instance. Nothing for static ones.
export function RuntimePanel({ deploymentId }: { deploymentId: string }) {
  const query = useRuntime(deploymentId);
  const r = query.data;
  if (!r?.server) return null;
  const state = r.state ? STATE[r.state] : { label: "Not started", tone: STATE.stopped.tone };
  return (
    <section aria-labelledby="runtime-title" className="mt-8 min-w-0">
      <h2 id="runtime-title" className="mb-3 text-base font-semibold text-zinc-900">
        Runtime
      </h2>
      <Panel>
        <div className="flex flex-wrap items-center gap-x-6 gap-y-2 border-b border-zinc-100 px-4 py-3 text-sm">
          <Badge label={state.label} tone={state.tone} testId="runtime-state" />
          {r.debug && <Badge label="Debug: every line kept" tone="bg-violet-50 text-violet-800 ring-violet-200" testId="runtime-debug" />}
          {r.settings && (
            <>
              <span className="text-zinc-600">
                Start <code className="font-mono text-xs text-zinc-900">{r.settings.start}</code>
              </span>
              <span className="text-zinc-600">
                Health check <code className="font-mono text-xs text-zinc-900">{r.settings.healthCheckPath ?? "/ (any answer below 500)"}</code>
              </span>
              <span className="text-zinc-600">
                {r.settings.instances} instance{r.settings.instances === 1 ? "" : "s"}, {r.settings.memoryMb} MB each
              </span>
            </>
          )}
        </div>
        {r.expiresAt && (
          <p className="border-b border-zinc-100 px-4 py-2 text-sm text-zinc-600" data-testid="runtime-expires">
            Fixed lifetime: its deployment URL answers 404 and its instances are reclaimed <RelativeTime value={r.expiresAt} /> (
            {new Date(r.expiresAt).toISOString().replace("T", " ").slice(0, 16)} UTC).
          </p>
        )}
        {r.detected && (
          <p className="border-b border-zinc-100 px-4 py-2 text-sm text-zinc-600" data-testid="runtime-detected">
            Detected: {r.detected.reason}
          </p>
        )}
        {r.mutableKeys.length > 0 && (
          <p className="border-b border-zinc-100 px-4 py-2 text-sm text-zinc-600" data-testid="runtime-mutable">
            Mutable while it runs: <span className="font-mono text-xs text-zinc-900">{r.mutableKeys.join(", ")}</span>
            {r.envRevision > 0 && ` (changed ${r.envRevision === 1 ? "once" : `${r.envRevision} times`} since it was built)`}. Other
            variables need a new deployment.
          </p>
        )}
        {r.state !== "failed" && r.reason && (
          <p className="border-b border-zinc-100 bg-amber-50 px-4 py-2 text-sm text-amber-900" data-testid="runtime-note">
            {r.reason}
          </p>
        )}
        {r.state === "failed" && r.reason && (
          <pre data-testid="runtime-reason" className="border-b border-zinc-100 bg-red-50 px-4 py-3 font-mono text-xs whitespace-pre-wrap text-red-900 [overflow-wrap:anywhere]">
            {r.reason}
          </pre>
        )}
        {r.instances.length === 0 ? (
          <p className="px-4 py-6 text-center text-sm text-zinc-500">
            {r.state === "stopped" ? "No instance runs: it starts again on its next request or on Promote." : "No instance yet."}
          </p>
        ) : (
          <div className="overflow-x-auto">
            <table className="w-full text-left text-sm" data-testid="runtime-instances">
              <thead className="text-xs text-zinc-500">
                <tr>
                  <th scope="col" className="px-4 py-2 font-medium">Instance</th>
                  <th scope="col" className="px-4 py-2 font-medium">State</th>
                  <th scope="col" className="px-4 py-2 font-medium">Restarts</th>
                  <th scope="col" className="px-4 py-2 font-medium">Variables</th>
                  <th scope="col" className="px-4 py-2 font-medium">Memory</th>
                  <th scope="col" className="px-4 py-2 font-medium">Ready since</th>
                  <th scope="col" className="px-4 py-2 font-medium">Last exit</th>
                </tr>
              </thead>
              <tbody className="divide-y divide-zinc-100">
                {r.instances.map((i) => (
                  <tr key={`${i.node}/${i.slot}`}>
                    <td className="px-4 py-2 font-mono text-xs whitespace-nowrap">
                      {i.node} #{i.slot + 1}
                    </td>
                    <td className="px-4 py-2">
                      <Badge label={INSTANCE[i.state].label} tone={INSTANCE[i.state].tone} />
                    </td>
                    <td className="px-4 py-2 tabular-nums">{i.restarts}</td>
                    <td className="px-4 py-2 whitespace-nowrap text-zinc-600">{i.envRevision < r.envRevision ? "Previous values" : "Current"}</td>
                    <td className="px-4 py-2 tabular-nums">{memory(i.memoryKb)}</td>
                    <td className="px-4 py-2 whitespace-nowrap">{i.readyAt ? <RelativeTime value={i.readyAt} /> : "—"}</td>
                    <td className="px-4 py-2 text-xs text-zinc-600 [overflow-wrap:anywhere]">{i.lastError ?? "—"}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </Panel>
      {r.debug && <DebugOutput variables={r.variables} logs={r.logs} />}
    </section>
  );
}

// A debug deployment's variable names and its instances' last lines (values masked as ••••).
function DebugOutput({ variables, logs }: { variables: string[] | null; logs: RuntimeView["logs"] }) {
  return (
    <div className="mt-3 space-y-2" data-testid="runtime-debug-output">
      <p className="text-sm text-zinc-600">
        Variables its instances start with:{" "}
        <span className="font-mono text-xs text-zinc-900">{variables === null ? "(cannot be read now)" : variables.length ? variables.join(", ") : "none"}</span>
      </p>
      <pre className="max-h-80 overflow-auto rounded-lg bg-zinc-950 px-4 py-3 font-mono text-xs whitespace-pre-wrap text-zinc-100 [overflow-wrap:anywhere]" data-testid="runtime-log">
        {logs.length === 0 ? "No output yet." : logs.map((l) => `${l.instance ?? ""} ${l.stream === "stderr" ? "!" : " "} ${l.text}`).join("\n")}
      </pre>
    </div>
  );
}
