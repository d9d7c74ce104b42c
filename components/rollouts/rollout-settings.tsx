import type { RolloutOrigin, RolloutSettings } from "@/components/deployments/types";
import { formatPoints, formatWindow } from "@/lib/ui/rollout-view";

const FROM: Record<RolloutOrigin, string> = {
  default: "the defaults",
  project: "the project's settings",
  "slipway.json": "the app's slipway.json",
};

// The settings this rollout runs with, and where they came from.
export function RolloutSettingsList({ settings: s, from }: { settings: RolloutSettings; from: RolloutOrigin }) {
  const items: Array<[string, string]> = [
    ["Stages", s.stages.map((w) => `${w}%`).join(" → ")],
    ["Observation window", `${formatWindow(s.observationWindowSec)} per stage`],
    ["Minimum samples", `${s.minSamples.toLocaleString("en")} requests per version before a pass`],
    ["Error rate limit", `baseline + ${formatPoints(s.autoRollback.errorRateThreshold)}`],
    [
      "P95 latency limit",
      s.autoRollback.latencyMinDeltaMs > 0
        ? `${s.autoRollback.latencyP95Threshold}× the baseline's P95 and at least +${s.autoRollback.latencyMinDeltaMs} ms`
        : `${s.autoRollback.latencyP95Threshold}× the baseline's P95`,
    ],
    ["Too little traffic", `pauses after ${s.maxInconclusiveWindows} inconclusive ${s.maxInconclusiveWindows === 1 ? "window" : "windows"}`],
    [
      "Synthetic checks",
      s.synthetic ? `${s.synthetic.requestsPerSec}/s to each version: ${s.synthetic.paths.join(", ")}` : "none (visitor traffic only)",
    ],
  ];
  return (
    <div data-testid="rollout-settings" data-from={from}>
      <p className="text-xs text-zinc-500">
        Settings from <span className="font-medium text-zinc-700">{FROM[from] ?? from}</span>
      </p>
      <dl className="mt-2 grid gap-x-6 gap-y-2 sm:grid-cols-2 lg:grid-cols-3">
        {items.map(([term, value]) => (
          <div key={term} className="min-w-0">
            <dt className="text-xs font-medium text-zinc-500">{term}</dt>
            <dd className="text-sm text-zinc-900 tabular-nums [overflow-wrap:anywhere]">{value}</dd>
          </div>
        ))}
      </dl>
    </div>
  );
}
