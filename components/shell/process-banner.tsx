import { loadConfig } from "@/lib/config/env";
import { processNotice } from "@/lib/platform/process-notice";
import { readProcessStatus } from "@/lib/platform/process-status";

// On console pages (signed in): a process of the platform that crashed and was
// restarted within the hour, or one the supervisor gave up on.
export function ProcessBanner() {
  const notice = processNotice(readProcessStatus(loadConfig().dataDir));
  if (!notice) return null;
  const tone = notice.tone === "error" ? "border-red-300 bg-red-50 text-red-950" : "border-amber-300 bg-amber-50 text-amber-950";
  return (
    <div role={notice.tone === "error" ? "alert" : "status"} data-testid="process-banner" data-tone={notice.tone} className={`border-b ${tone}`}>
      <p className="mx-auto max-w-5xl px-4 py-2 text-sm [overflow-wrap:anywhere] sm:px-6">{notice.text}</p>
    </div>
  );
}
