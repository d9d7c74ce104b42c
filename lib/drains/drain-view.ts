import { z } from "zod";
import type { LogDrain } from "@/lib/generated/prisma/client";

// A drain as the API shows it: never its secret.
export const drainSchema = z.object({
  id: z.string(),
  url: z.string(),
  createdAt: z.string(),
  /** Lines delivered so far, and when last. */
  delivered: z.number(),
  lastDeliveredAt: z.string().nullable(),
  /** Deliveries failed in a row (0: healthy), the endpoint's or network's answer, and when it is tried again. */
  failures: z.number(),
  lastError: z.string().nullable(),
  nextAttemptAt: z.string().nullable(),
});

export type DrainView = z.infer<typeof drainSchema>;

export function drainView(d: LogDrain): DrainView {
  return drainSchema.parse({
    id: d.id,
    url: d.url,
    createdAt: d.createdAt.toISOString(),
    delivered: Number(d.delivered),
    lastDeliveredAt: d.lastDeliveredAt?.toISOString() ?? null,
    failures: d.failures,
    lastError: d.lastError,
    nextAttemptAt: d.failures > 0 ? d.nextAttemptAt.toISOString() : null,
  });
}
