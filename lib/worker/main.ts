import { run } from "graphile-worker";
import { reapLostBuilds } from "@/lib/build/reap-lost-builds";
import { db } from "@/lib/db/client";
import { crontab, taskList } from "@/lib/jobs/registry";

// Worker process entry point: takes jobs from the Postgres queue. Many workers
// may run against the same database; graphile-worker gives each job to one.
const tasks = taskList();
const runner = await run({
  connectionString: process.env.DATABASE_URL,
  concurrency: Number(process.env.WORKER_CONCURRENCY ?? 2),
  noHandleSignals: true,
  pollInterval: 1000,
  taskList: tasks,
  crontab,
});

// Every worker looks for builds whose worker died; SKIP LOCKED keeps them from
// failing the same one twice.
const REAP_EVERY_MS = 5000;
const reap = () =>
  reapLostBuilds(db()).then(
    (ids) => ids.length && console.log(`failed ${ids.length} build(s) whose worker was lost: ${ids.join(", ")}`),
    (e) => console.error(`reaping lost builds failed: ${e.message}`),
  );
const reaper = setInterval(reap, REAP_EVERY_MS);
void reap();

let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  clearInterval(reaper);
  await runner.stop();
  process.exit(0);
};
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
console.log(`worker ready (${Object.keys(tasks).length} job types)`);
await runner.promise;
