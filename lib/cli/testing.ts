import { expect } from "vitest";
import { UsageError } from "@/lib/cli/errors";

// The UsageError `fn` throws (exit code 2); fails the test if it throws nothing or something else.
export function usageError(fn: () => unknown): UsageError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(UsageError);
    expect((e as UsageError).exitCode).toBe(2);
    return e as UsageError;
  }
  throw new Error("expected a UsageError");
}
