// Marks a server deployment's runtime as wanted now: it is created
// deploying, a stopped one starts again, a running one stays up. $2: whether
// a failed one starts again too (publish and Promote: yes; a visitor's
// request: no, or a crashing app would be restarted by its traffic). One
// statement for both Prisma (the worker, the console) and node-postgres (the
// router); it returns the runtime's state.
export const REQUEST_RUNTIME_SQL = `
  INSERT INTO deployment_runtimes (deployment_id, state, wanted_at, updated_at) VALUES ($1::uuid, 'deploying', now(), now())
  ON CONFLICT (deployment_id) DO UPDATE SET wanted_at = now(), updated_at = now(),
    state = CASE WHEN deployment_runtimes.state = 'stopped' OR (deployment_runtimes.state = 'failed' AND $2::boolean) THEN 'deploying'::"RuntimeState" ELSE deployment_runtimes.state END,
    reason = CASE WHEN deployment_runtimes.state = 'stopped' OR (deployment_runtimes.state = 'failed' AND $2::boolean) THEN NULL ELSE deployment_runtimes.reason END
  RETURNING state::text`;
