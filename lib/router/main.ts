import { createRouterServer } from "@/lib/router/server";

// Router process entry point; the supervisor passes a validated environment.
const port = Number(process.env.ROUTER_PORT ?? 8080);
const host = process.env.BIND_HOST ?? "0.0.0.0";
const server = createRouterServer({
  databaseUrl: process.env.DATABASE_URL ?? "",
  appsDomain: process.env.APPS_DOMAIN ?? "localhost",
});
server.listen(port, host, () => console.log(`router listening on ${host}:${port}`));
const stop = () => server.close(() => process.exit(0));
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
