import type { BuildSettingKey, BuildSettings, BuildSettingSource } from "@/components/deployments/types";

const LABEL: Record<BuildSettingKey, string> = {
  installCommand: "Install command",
  buildCommand: "Build command",
  outputDirectory: "Output directory",
};

const FROM: Record<BuildSettingSource, string> = {
  default: "default",
  project: "project settings",
  "slipway.json": "slipway.json",
  detected: "detection",
};

// What the build ran, and where each setting came from.
export function BuildSettingsList({ settings }: { settings: BuildSettings | null }) {
  if (!settings) {
    return <p className="px-4 py-6 text-center text-sm text-zinc-500">Known once the source is checked out.</p>;
  }
  return (
    <dl className="divide-y divide-zinc-100">
      {(Object.keys(LABEL) as BuildSettingKey[]).map((key) => (
        <div key={key} className="space-y-0.5 px-4 py-2.5">
          <dt className="flex items-baseline justify-between gap-2 text-xs font-medium text-zinc-500">
            {LABEL[key]}
            <span className="font-normal text-zinc-500">from {FROM[settings.from[key]] ?? settings.from[key]}</span>
          </dt>
          <dd className="font-mono text-xs [overflow-wrap:anywhere] text-zinc-900">
            {key === "outputDirectory" && settings.runtime === "server"
              ? `${settings.server?.root && settings.server.root !== "." ? settings.server.root : "the whole built app"} (a server's bundle)`
              : settings[key] || "—"}
          </dd>
        </div>
      ))}
    </dl>
  );
}
