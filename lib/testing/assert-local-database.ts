const LOCAL_HOSTS = new Set(["localhost", "127.0.0.1", "[::1]", "::1"]);

// Tests create databases and write rows; a DATABASE_URL pointing anywhere but
// this machine is far more likely a mistake than a test server.
export function assertLocalDatabase(databaseUrl: string): void {
  let url: URL;
  try {
    url = new URL(databaseUrl);
  } catch {
    throw new Error("DATABASE_URL is not a valid URL; unset it to let the tests start their own Postgres.");
  }
  // pg lets ?host= override the URL's host; a path there is a local Unix socket.
  const host = url.searchParams.get("host") ?? url.hostname;
  if (LOCAL_HOSTS.has(host) || host.startsWith("/")) return;
  throw new Error(
    `Refusing to run tests against DATABASE_URL on host "${host}": tests write to the database, so it must be ` +
      "on localhost, 127.0.0.1 or ::1. Unset DATABASE_URL to let the tests start their own Postgres.",
  );
}
