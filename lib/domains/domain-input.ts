import { z } from "zod";
import { normalizeHostname } from "@/lib/domains/hostname";
import { branchName } from "@/lib/projects/project-input";

// Adding a domain: its host name and, optionally, the branch whose preview it
// serves (none: the project's production route).
export const addDomainInput = (appsDomain: string) =>
  z
    .object({
      hostname: z.string({ error: "Enter a host name, like shop.example.com." }).transform((raw, c) => {
        const checked = normalizeHostname(raw, appsDomain);
        if ("hostname" in checked) return checked.hostname;
        c.addIssue({ code: "custom", message: checked.error });
        return z.NEVER;
      }),
      branch: branchName.nullish(),
    })
    .strict();
