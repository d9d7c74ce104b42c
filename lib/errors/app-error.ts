// Typed domain errors. Verbs throw these; lib/http/to-response.ts maps them to
// HTTP statuses in one place. `message` is always safe to show to the user.
export type AppErrorCode = "invalid" | "unauthorized" | "forbidden" | "not_found" | "conflict" | "too_large";

export class AppError extends Error {
  readonly code: AppErrorCode;
  readonly details?: Record<string, unknown>;

  constructor(code: AppErrorCode, message: string, details?: Record<string, unknown>) {
    super(message);
    this.name = "AppError";
    this.code = code;
    this.details = details;
  }
}

export const invalid = (message: string, details?: Record<string, unknown>) =>
  new AppError("invalid", message, details);
export const unauthorized = (message = "Sign in to continue.") => new AppError("unauthorized", message);
export const forbidden = (message = "You do not have permission to do that.") =>
  new AppError("forbidden", message);
export const notFound = (what: string) => new AppError("not_found", `${what} was not found.`);
export const conflict = (message: string) => new AppError("conflict", message);
export const tooLarge = (message: string) => new AppError("too_large", message);

export const isAppError = (e: unknown): e is AppError => e instanceof AppError;
