import { createHash } from "node:crypto";

// Bearer secrets (invitation links, API tokens) are stored only as this hash.
export const hashToken = (token: string) => createHash("sha256").update(token).digest("hex");
