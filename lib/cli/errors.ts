// Errors the CLI reports as one line on stderr. Anything else is a bug and is
// printed with its stack.
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
    this.name = "CliError";
  }
}

// Bad command line: exit 2, with a pointer to the command's help.
export class UsageError extends CliError {
  constructor(
    message: string,
    readonly command?: string,
  ) {
    super(message, 2);
    this.name = "UsageError";
  }
}

// The console answered with an error ({ error: { code, message } }).
export class ApiError extends CliError {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    // The error's `details`, when the console sent some (e.g. the problem of each change).
    readonly details?: unknown,
  ) {
    super(message, 1);
    this.name = "ApiError";
  }
}

// The console could not be reached at all.
export class NetworkError extends CliError {
  constructor(url: string, reason: string) {
    super(`Could not reach ${url}: ${reason}`, 1);
    this.name = "NetworkError";
  }
}
