import { loadConfig } from "@/lib/config/env";
import { checkDatabase } from "@/lib/platform/check-database";
import { healthOfProcesses, readProcessStatus } from "@/lib/platform/process-status";

export const dynamic = "force-dynamic";

export async function GET() {
  const database = await checkDatabase();
  // The platform's processes as the supervisor reports them (restarts, a crash loop), for operators.
  const processes = healthOfProcesses(readProcessStatus(loadConfig().dataDir));
  return Response.json({ ok: database, database: database ? "up" : "down", processes }, { status: database ? 200 : 503 });
}
