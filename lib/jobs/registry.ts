import type { Task, TaskList } from "graphile-worker";
import { z } from "zod";
import { systemCtx } from "@/lib/auth/ctx";
import { buildDepsFromEnv } from "@/lib/build/build-deps";
import { runBuild } from "@/lib/build/run-build";
import { db } from "@/lib/db/client";
import { acmeSettings } from "@/lib/certificates/acme-settings";
import { tendCertificates } from "@/lib/certificates/tend-certificates";
import { loadConfig } from "@/lib/config/env";
import { recheckDomains } from "@/lib/domains/recheck-domains";
import { pruneLogs } from "@/lib/logs/prune-logs";
import { observeBuild } from "@/lib/observability/worker-metrics";
import { traceBuild } from "@/lib/build/trace-build";
import { currentSecretKey } from "@/lib/secrets/keyring";
import { purgeExpiredInvitations } from "@/lib/teams/purge-expired-invitations";

// The one job registry: name, payload schema, handler. The payload is parsed when
// the job is taken; a handler's error fails the job (graphile-worker retries it).
type JobDef<S extends z.ZodType> = {
  payload: S;
  handler: (payload: z.output<S>, job: { workerId: string; attempts: number }) => Promise<unknown>;
};

const define = <S extends z.ZodType>(def: JobDef<S>) => def;

export const jobs = {
  "build-deployment": define({
    payload: z.object({ deploymentId: z.uuid() }),
    handler: async ({ deploymentId }, job) => {
      const started = performance.now();
      const outcome = await runBuild(deploymentId, await buildDepsFromEnv(job.workerId));
      observeBuild(outcome, (performance.now() - started) / 1000);
      await traceBuild(db(), deploymentId, outcome).catch(() => undefined);
      return outcome;
    },
  }),
  "purge-expired-invitations": define({
    payload: z.object({}).passthrough(),
    handler: () => purgeExpiredInvitations({ ctx: systemCtx(db(), "purge-expired-invitations") }),
  }),
  // Certificates of verified domains: ordered, retried, renewed (lib/certificates/tend-certificates.ts); nothing without ACME_DIRECTORY_URL.
  // `hostname`: one domain just verified (or given back to the CA), done first.
  "tend-certificates": define({
    payload: z.object({ hostname: z.string().max(253).optional() }).passthrough(),
    handler: async ({ hostname }) => {
      const settings = acmeSettings(loadConfig());
      if (!settings) return { skipped: "ACME_DIRECTORY_URL is not set" };
      const log = (line: string) => console.log(`certificates: ${line}`);
      return tendCertificates({ db: db(), secretKey: await currentSecretKey(), settings, log, ...(hostname ? { only: [hostname] } : {}) });
    },
  }),
  // Pending custom domains every minute, verified ones daily (lib/domains/recheck-domains.ts).
  "recheck-domains": define({
    payload: z.object({}).passthrough(),
    handler: () => recheckDomains({ ctx: systemCtx(db(), "recheck-domains") }),
  }),
  // Runtime log lines past LOG_RETENTION_DAYS, and the metric buckets of ended rollouts as old (lib/logs/prune-logs.ts).
  "prune-logs": define({
    payload: z.object({}).passthrough(),
    handler: () => pruneLogs({ db: db(), retentionDays: loadConfig().LOG_RETENTION_DAYS }),
  }),
};

export type JobName = keyof typeof jobs;

// Recurring jobs, in graphile-worker's crontab format.
export const crontab = ["0 * * * * purge-expired-invitations", "17 * * * * prune-logs", "* * * * * recheck-domains ?max=1", "* * * * * tend-certificates ?max=1"].join("\n");

export function taskList(): TaskList {
  const list: TaskList = {};
  for (const [name, def] of Object.entries(jobs) as [string, JobDef<z.ZodType>][]) {
    const task: Task = async (raw, helpers) => {
      const payload = def.payload.parse(raw ?? {});
      const result = await def.handler(payload, { workerId: helpers.job.locked_by ?? "unknown", attempts: helpers.job.attempts });
      helpers.logger.info(`${name} done ${JSON.stringify(result)}`);
    };
    list[name] = task;
  }
  return list;
}
