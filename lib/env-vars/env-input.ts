import { z } from "zod";
import { ENVIRONMENTS, isPublicKey, keyProblem, MUTABLE_PUBLIC, valueProblem } from "@/lib/env-vars/env-rules";
import { branchName } from "@/lib/projects/project-input";

export * from "@/lib/env-vars/env-rules";

export const environment = z.enum(ENVIRONMENTS, "Environments are production, preview and development.");

// Deduplicated, in the order Production, Preview, Development.
export const targets = z
  .array(environment)
  .min(1, "Choose at least one environment.")
  .transform((list) => ENVIRONMENTS.filter((e) => list.includes(e)));

export const envKey = z.string("A key is required.").superRefine((key, c) => {
  const problem = keyProblem(key);
  if (problem) c.addIssue({ code: "custom", message: problem });
});

export const envValue = z.string("The value must be text.").superRefine((value, c) => {
  const problem = valueProblem(value);
  if (problem) c.addIssue({ code: "custom", message: problem });
});

// An empty branch field means "no branch": the variable applies to the whole environment.
const branch = z.preprocess((b) => (typeof b === "string" && b.trim() === "" ? null : b), branchName.nullish()).transform((b) => b ?? null);

const set = z
  .object({ op: z.literal("set"), key: envKey, value: envValue, targets, branch, sensitive: z.boolean().optional(), mutable: z.boolean().optional() })
  .strict()
  .superRefine((change, c) => {
    if (change.branch !== null && (change.targets.length !== 1 || change.targets[0] !== "preview")) {
      c.addIssue({ code: "custom", path: ["targets"], message: "A branch override applies to Preview only." });
    }
    if (change.sensitive && isPublicKey(change.key)) {
      c.addIssue({ code: "custom", path: ["sensitive"], message: "A public key (sent to the browser) cannot be sensitive." });
    }
    if (change.mutable && isPublicKey(change.key)) c.addIssue({ code: "custom", path: ["mutable"], message: MUTABLE_PUBLIC(change.key) });
  });

const update = z
  .object({
    op: z.literal("update"),
    id: z.uuid("Unknown variable."),
    value: envValue.optional(),
    sensitive: z.boolean().optional(),
    mutable: z.boolean().optional(),
    targets: targets.optional(),
  })
  .strict();

const remove = z.object({ op: z.literal("delete"), id: z.uuid("Unknown variable.") }).strict();

// One edit of a project's variables (see lib/env-vars/change-env-vars.ts for what each does).
export const envChange = z.discriminatedUnion("op", [set, update, remove], "Each change needs an op: set, update or delete.");

export const MAX_CHANGES = 1000;

export const envChangesInput = z
  .object({
    changes: z.array(envChange, "changes must be a list.").min(1, "There are no changes to save.").max(MAX_CHANGES, `At most ${MAX_CHANGES} changes per request.`),
    dryRun: z.boolean().optional(),
  })
  .strict();

export type EnvChange = z.input<typeof envChange>;
export type ParsedEnvChange = z.output<typeof envChange>;
export type EnvChangesInput = z.input<typeof envChangesInput>;

export type EnvChangeIssue = { index: number; field: string; message: string };
