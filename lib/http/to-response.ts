import { randomUUID } from "node:crypto";
import { type AppErrorCode, isAppError } from "@/lib/errors/app-error";

// The one place where errors become HTTP responses.
const STATUS: Record<AppErrorCode, number> = {
  invalid: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  too_large: 413,
};

export function errorResponse(e: unknown): Response {
  if (isAppError(e)) {
    return Response.json({ error: { code: e.code, message: e.message, details: e.details } }, { status: STATUS[e.code] });
  }
  // Unknown errors are logged with an id the user can quote; their text never leaves the server.
  const id = randomUUID();
  console.error(`[console] unhandled error ${id}:`, e);
  return Response.json(
    { error: { code: "internal", message: `Something went wrong on our side (error id ${id}).` } },
    { status: 500 },
  );
}
