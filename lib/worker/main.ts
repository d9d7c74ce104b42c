import { run } from "graphile-worker";
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

let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  await runner.stop();
  process.exit(0);
};
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
console.log(`worker ready (${Object.keys(tasks).length} job types)`);
await runner.promise;
