// A deployment step failure while applying an app's own SQL migrations. The
// message is one readable line for the build log: it names the migration file
// when there is one and never contains the database password.
export class AppMigrationError extends Error {
  // The migration file at fault, when the failure is about one file.
  readonly migration?: string;
  // Postgres' SQLSTATE when Postgres reported the failure (e.g. "42601").
  readonly sqlState?: string;

  constructor(message: string, opts: { migration?: string; sqlState?: string } = {}) {
    super(message);
    this.name = "AppMigrationError";
    this.migration = opts.migration;
    this.sqlState = opts.sqlState;
  }
}
