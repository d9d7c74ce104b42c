import { z } from "zod";
import { branchName } from "@/lib/projects/project-input";

// What a person (button, API, CLI) may ask for when deploying. The source itself
// comes from the project, or from an uploaded archive the route streams in.
export const deployInput = z.object({
  environment: z.enum(["production", "preview"], { error: "Environment must be production or preview." }).optional(),
  branch: branchName.optional(),
  ref: z
    .string()
    .trim()
    .regex(/^[0-9a-f]{40}$/i, "ref must be a full commit SHA (40 hex digits).")
    .transform((s) => s.toLowerCase())
    .optional(),
  message: z.string().trim().max(500, "Message is at most 500 characters.").optional(),
  // Seed 003's fixed lifetime: the deployment's URL answers 404 after it and its server instances are reclaimed.
  expiresIn: z
    .string()
    .trim()
    .regex(/^[1-9]\d{0,4}[mhd]$/, 'expiresIn must be a duration like "30m", "12h" or "7d".')
    .refine((v) => durationMs(v) >= 60_000 && durationMs(v) <= MAX_LIFETIME_MS, "expiresIn must be between 1 minute and 90 days.")
    .optional(),
  // Seed 003's debug mode: a server's runtime keeps every line its instances write (and names its variables), marked on its page.
  debug: z
    .union([z.boolean(), z.enum(["true", "false", "1", "0"])], { error: "debug must be true or false." })
    .transform((v) => v === true || v === "true" || v === "1")
    .optional(),
});

const MAX_LIFETIME_MS = 90 * 86_400_000;
const UNIT_MS = { m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** "30m", "12h", "7d" in milliseconds. */
export function durationMs(text: string): number {
  return Number(text.slice(0, -1)) * UNIT_MS[text.slice(-1) as keyof typeof UNIT_MS];
}

export type DeployInput = z.input<typeof deployInput>;
