// The exact environment for a child process. Next's types make NODE_ENV a
// required key of NodeJS.ProcessEnv, which a deliberately minimal environment
// does not have; this is the one place that says so.
export const childEnv = (vars: Record<string, string | undefined>): NodeJS.ProcessEnv => vars as unknown as NodeJS.ProcessEnv;
