import { loadConfig } from "@/lib/config/env";
import { sandboxWarning } from "@/lib/platform/sandbox-notice";
import { type SandboxMode, sandboxMode } from "@/lib/sandbox/sandbox-mode";

// On every page, signed in or not, while the sandbox is off or unavailable.
// sandboxMode() probes the machine once per process, so a request costs nothing.
export async function SandboxBanner() {
  return <SandboxWarning mode={await sandboxMode(loadConfig().SLIPWAY_SANDBOX)} />;
}

export function SandboxWarning({ mode }: { mode: SandboxMode }) {
  const text = sandboxWarning(mode);
  if (!text) return null;
  return (
    <div role="alert" className="border-b border-amber-300 bg-amber-100 text-amber-950">
      <p className="mx-auto flex max-w-5xl items-start gap-2 px-4 py-2.5 text-sm sm:px-6">
        <svg aria-hidden="true" viewBox="0 0 20 20" fill="currentColor" className="mt-0.5 size-4 shrink-0">
          <path
            fillRule="evenodd"
            d="M8.485 2.495c.673-1.167 2.357-1.167 3.03 0l6.28 10.875c.673 1.167-.17 2.625-1.516 2.625H3.72c-1.347 0-2.189-1.458-1.515-2.625L8.485 2.495ZM10 6a.75.75 0 0 1 .75.75v3.5a.75.75 0 0 1-1.5 0v-3.5A.75.75 0 0 1 10 6Zm0 9a1 1 0 1 0 0-2 1 1 0 0 0 0 2Z"
            clipRule="evenodd"
          />
        </svg>
        <span>{text}</span>
      </p>
    </div>
  );
}
