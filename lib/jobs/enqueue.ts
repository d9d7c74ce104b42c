import type { Tx } from "@/lib/db/client";
import type { JobName } from "@/lib/jobs/registry";

export type EnqueueOptions = {
  // Jobs of one named queue run one at a time, in the order they were added.
  queue?: string;
  maxAttempts?: number;
  runAt?: Date;
};

// Adds a job in the caller's transaction: the job exists exactly when the row
// that needs it does. The worker parses the payload with the registry's schema.
export async function enqueue(tx: Tx, name: JobName, payload: Record<string, unknown>, opts: EnqueueOptions = {}) {
  await tx.$executeRaw`SELECT graphile_worker.add_job(
    ${name}::text,
    ${JSON.stringify(payload)}::json,
    queue_name => ${opts.queue ?? null}::text,
    run_at => ${opts.runAt ?? null}::timestamptz,
    max_attempts => ${opts.maxAttempts ?? null}::int
  )`;
}
