import { expect } from "vitest";
import { AppError } from "@/lib/errors/app-error";

// Resolves to the AppError a verb threw; fails the test if it succeeded or threw anything else.
export async function appError(promise: Promise<unknown>): Promise<AppError> {
  const outcome = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  if (outcome === null) expect.fail("expected the verb to throw an AppError, but it succeeded");
  expect(outcome).toBeInstanceOf(AppError);
  return outcome as AppError;
}
