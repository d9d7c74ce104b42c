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
});

export type DeployInput = z.input<typeof deployInput>;
